/**
 * The second held-out grounded set (evals/planner/grounded-holdout2.jsonl) is well-formed: it loads through the
 * harness's own schema, is registered but left out of `--set all`, and everything it names exists in the
 * populated workspace, except the references meant to match nothing. The planner is never run on it here: the
 * set is run once, at the end.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillFacts, parseModelRef } from '../../evals/planner/grounded-checks.ts';
import {
  EVAL_SETS,
  EvalCase,
  evalSetFile,
  loadCases,
  POPULATED_SETS,
  RUN_ONCE_SETS,
} from '../../evals/planner/harness.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../fixtures/populated-workspace.ts';

const cases = loadCases(evalSetFile('grounded-holdout2'));
const EXPECT_KEYS = new Set(Object.keys(EvalCase.shape.expect.shape));
/** A run id in a goal that deliberately matches no run. */
const MEANT_MISSING_RUN = 'run-20261115-090000-abcdef';

let ws: PopulatedWorkspace;
beforeAll(async () => {
  ws = await populatedWorkspace();
}, 300_000);

describe('grounded-holdout2 set', () => {
  it('is registered, planned against the populated workspace and left out of --set all', () => {
    expect(EVAL_SETS['grounded-holdout2']).toBe('grounded-holdout2.jsonl');
    expect(POPULATED_SETS.has('grounded-holdout2')).toBe(true);
    expect(RUN_ONCE_SETS.has('grounded-holdout2')).toBe(true);
    expect(RUN_ONCE_SETS.has('grounded-dev')).toBe(false);
  });

  it('has 40 cases with unique ids, a goal and only expect keys the harness knows', () => {
    expect(cases).toHaveLength(40);
    expect(new Set(cases.map((c) => c.id)).size).toBe(40);
    for (const c of cases) {
      expect(c.goal.trim().length, c.id).toBeGreaterThan(0);
      if (c.expect.kind === 'plan') expect(Object.keys(c.expect).length, c.id).toBeGreaterThan(2);
      for (const k of Object.keys(c.expect)) expect(EXPECT_KEYS.has(k), `${c.id}: ${k}`).toBe(true);
      for (const f of c.followUps ?? []) expect(f.trim().length, c.id).toBeGreaterThan(0);
    }
  });

  it('holds conversations in the harness format and clarify cases without plan properties', () => {
    expect(cases.filter((c) => c.followUps?.length)).toHaveLength(3);
    const clarify = cases.filter((x) => x.expect.kind === 'clarify');
    expect(clarify).toHaveLength(3);
    for (const c of clarify)
      expect(
        Object.keys(c.expect).filter((k) => k !== 'kind' && k !== 'clarifyMentions'),
        c.id,
      ).toEqual([]);
  });

  it('fills every fact placeholder and names only runs, datasets and models that exist', () => {
    const { facts } = ws;
    const runIds = Object.values(facts.runs).map((r) => r.id);
    expect(runIds).not.toContain(MEANT_MISSING_RUN);
    for (const c of cases) {
      for (const text of [c.goal, ...(c.followUps ?? [])]) {
        const filled = fillFacts(text, facts);
        expect(filled, c.id).not.toMatch(/\{\{/);
        for (const id of filled.match(/run-\d{8}-\d{6}-\w+/g) ?? [])
          if (id !== MEANT_MISSING_RUN) expect(runIds, c.id).toContain(id);
      }
      const e = c.expect;
      if (e.basedOnRun) expect(facts.runs, c.id).toHaveProperty(e.basedOnRun);
      if (e.dataVersion) expect(facts.datasets, c.id).toHaveProperty(e.dataVersion.split('@')[0] as string);
      const refs = [
        e.predictModel,
        e.servedModel,
        e.driftReferenceOf,
        e.rollbackModel,
        e.champion || undefined,
      ];
      for (const r of refs.filter((x): x is string => typeof x === 'string')) {
        const ref = parseModelRef(r);
        const model = ref && facts.models[ref.name];
        expect(model, `${c.id}: ${r}`).toBeDefined();
        if (ref?.version) expect(model?.versions, `${c.id}: ${r}`).toContain(ref.version);
        if (ref?.alias) expect(model?.aliases, `${c.id}: ${r}`).toHaveProperty(ref.alias);
      }
      if (e.servedModel) expect(facts.served, c.id).toHaveProperty(e.servedModel);
      for (const v of [e.deployVersion, e.rollbackTo].filter((x) => x !== undefined)) {
        const name = e.rollbackModel ?? e.champion ?? e.predictModel;
        if (typeof name === 'string') expect(facts.models[name]?.versions, c.id).toContain(v);
      }
    }
  });

  it('names only workspace files that exist', () => {
    const named = cases.flatMap(
      (c) => `${c.goal} ${(c.followUps ?? []).join(' ')}`.match(/\b(?:data|scripts)\/[\w.-]+/g) ?? [],
    );
    expect(named.length).toBeGreaterThan(10);
    for (const p of named) expect(existsSync(path.join(ws.dir, p)), p).toBe(true);
  });
});
