/**
 * The held-out grounded set (evals/planner/grounded-holdout.jsonl) is well-formed: it loads through the
 * harness's own schema, and everything it names exists in the populated workspace, except the references that
 * are meant to match nothing. The planner is never run on it here: the set is run once, at the end.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillFacts, parseModelRef } from '../../evals/planner/grounded-checks.ts';
import { EVAL_SETS, EvalCase, evalSetFile, loadCases, POPULATED_SETS } from '../../evals/planner/harness.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../fixtures/populated-workspace.ts';

const cases = loadCases(evalSetFile('grounded-holdout'));
const EXPECT_KEYS = new Set(Object.keys(EvalCase.shape.expect.shape));
/** Names in goals that deliberately match nothing in the workspace. */
const MEANT_MISSING = ['scripts/train_bert.py', 'out/model.pt'];

let ws: PopulatedWorkspace;
beforeAll(async () => {
  ws = await populatedWorkspace();
}, 300_000);

describe('grounded-holdout set', () => {
  it('is registered like grounded-dev and planned against the populated workspace', () => {
    expect(EVAL_SETS['grounded-holdout']).toBe('grounded-holdout.jsonl');
    expect(POPULATED_SETS.has('grounded-holdout')).toBe(true);
  });

  it('has 60 cases with unique ids, a goal and only expect keys the harness knows', () => {
    expect(cases).toHaveLength(60);
    expect(new Set(cases.map((c) => c.id)).size).toBe(60);
    for (const c of cases) {
      expect(c.goal.trim().length, c.id).toBeGreaterThan(0);
      for (const k of Object.keys(c.expect)) expect(EXPECT_KEYS.has(k), `${c.id}: ${k}`).toBe(true);
      for (const f of c.followUps ?? []) expect(f.trim().length, c.id).toBeGreaterThan(0);
    }
  });

  it('holds conversations in the harness format and clarify cases without plan properties', () => {
    const talks = cases.filter((c) => c.followUps?.length);
    expect(talks.length).toBe(5);
    for (const c of cases.filter((x) => x.expect.kind === 'clarify'))
      expect(
        Object.keys(c.expect).filter((k) => k !== 'kind' && k !== 'clarifyMentions'),
        c.id,
      ).toEqual([]);
  });

  it('fills every fact placeholder and names only runs, datasets and models that exist', () => {
    const { facts } = ws;
    for (const c of cases) {
      for (const text of [c.goal, ...(c.followUps ?? [])])
        expect(fillFacts(text, facts), c.id).not.toMatch(/\{\{/);
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
      for (const v of [e.deployVersion, e.rollbackTo].filter((x) => x !== undefined)) {
        const name = e.rollbackModel ?? e.champion ?? e.predictModel;
        if (typeof name === 'string') expect(facts.models[name]?.versions, c.id).toContain(v);
      }
    }
  });

  it('names only workspace files that exist, apart from the deliberate misses', () => {
    for (const c of cases)
      for (const p of `${c.goal} ${(c.followUps ?? []).join(' ')}`.match(/\b(?:data|scripts)\/[\w.-]+/g) ??
        [])
        if (!MEANT_MISSING.includes(p)) expect(existsSync(path.join(ws.dir, p)), `${c.id}: ${p}`).toBe(true);
    expect(existsSync(path.join(ws.dir, 'scripts/train_bert.py'))).toBe(false);
  });
});
