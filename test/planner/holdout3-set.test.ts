/**
 * The third held-out grounded set (evals/planner/grounded-holdout3.jsonl, issue 12's unseen figure) is
 * well-formed: it loads through the harness's own schema, is registered but left out of `--set all`, and
 * everything it names exists in the populated workspace, except the references meant to match nothing. The
 * planner is never run on it here: the set is run once, at the end.
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

const cases = loadCases(evalSetFile('grounded-holdout3'));
const EXPECT_KEYS = new Set(Object.keys(EvalCase.shape.expect.shape));
/** A run id in a goal that deliberately matches no run. */
const MEANT_MISSING_RUN = 'run-20261120-083000-0badc0ffee12';
/** Names in clarify goals that deliberately match no model or alias. */
const MEANT_MISSING_NAMES = ['churn-predictor', 'experimental', 'seattle-weather'];

/** Cases per category, by id prefix. */
const CATEGORIES = { ref: 8, op: 14, prep: 6, script: 5, text: 5, train: 5, conv: 3, miss: 4 };

let ws: PopulatedWorkspace;
beforeAll(async () => {
  ws = await populatedWorkspace();
}, 300_000);

describe('grounded-holdout3 set', () => {
  it('is registered, planned against the populated workspace and left out of --set all', () => {
    expect(EVAL_SETS['grounded-holdout3']).toBe('grounded-holdout3.jsonl');
    expect(POPULATED_SETS.has('grounded-holdout3')).toBe(true);
    expect(RUN_ONCE_SETS.has('grounded-holdout3')).toBe(true);
    expect(RUN_ONCE_SETS.has('grounded-dev')).toBe(false);
  });

  it('has 50 cases with unique ids, a goal and only expect keys the harness knows', () => {
    expect(cases).toHaveLength(50);
    expect(new Set(cases.map((c) => c.id)).size).toBe(50);
    for (const c of cases) {
      expect(c.goal.trim().length, c.id).toBeGreaterThan(0);
      if (c.expect.kind === 'plan') expect(Object.keys(c.expect).length, c.id).toBeGreaterThan(2);
      for (const k of Object.keys(c.expect)) expect(EXPECT_KEYS.has(k), `${c.id}: ${k}`).toBe(true);
      for (const f of c.followUps ?? []) expect(f.trim().length, c.id).toBeGreaterThan(0);
    }
  });

  it('covers each category with the planned number of cases', () => {
    for (const [prefix, n] of Object.entries(CATEGORIES))
      expect(cases.filter((c) => c.id.startsWith(`${prefix}-`)).length, prefix).toBe(n);
  });

  it('holds conversations in the harness format and clarify cases without plan properties', () => {
    const talks = cases.filter((c) => c.followUps?.length);
    expect(talks.map((c) => c.id).every((id) => id.startsWith('conv-'))).toBe(true);
    expect(talks).toHaveLength(3);
    const clarify = cases.filter((x) => x.expect.kind === 'clarify');
    expect(clarify.map((c) => c.id).every((id) => id.startsWith('miss-'))).toBe(true);
    expect(clarify).toHaveLength(4);
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
        // The model a version belongs to: named by a key, else the one the goal names ("penguin").
        const named = e.rollbackModel ?? e.servedModel ?? e.champion ?? e.predictModel;
        const name =
          typeof named === 'string'
            ? parseModelRef(named)?.name
            : Object.keys(facts.models).find((m) =>
                c.goal.includes((m.split('-')[0] as string).replace(/s$/, '')),
              );
        expect(name, c.id).toBeDefined();
        expect(facts.models[name as string]?.versions, c.id).toContain(v);
      }
    }
  });

  it('names in clarify goals only models, aliases and runs that do not exist', () => {
    const { facts } = ws;
    const aliases = Object.values(facts.models).flatMap((m) => Object.keys(m.aliases));
    for (const name of MEANT_MISSING_NAMES) {
      expect(facts.models, name).not.toHaveProperty(name);
      expect(aliases, name).not.toContain(name);
    }
    for (const c of cases.filter((x) => x.expect.kind === 'clarify')) {
      const text = fillFacts(c.goal, facts);
      expect(
        MEANT_MISSING_NAMES.some((n) => text.includes(n)) || text.includes(MEANT_MISSING_RUN),
        c.id,
      ).toBe(true);
    }
  });

  it('names only workspace files that exist', () => {
    const named = cases.flatMap(
      (c) => `${c.goal} ${(c.followUps ?? []).join(' ')}`.match(/\b(?:data|scripts)\/[\w.-]*\w/g) ?? [],
    );
    expect(named.length).toBeGreaterThan(10);
    for (const p of named) expect(existsSync(path.join(ws.dir, p)), p).toBe(true);
  });
});
