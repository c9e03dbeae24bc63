/**
 * The held-out grounded sets (evals/planner/grounded-holdout*.jsonl) are well-formed: each loads through the
 * harness's own schema, is registered to plan against the populated workspace (the run-once ones left out of
 * `--set all`), and everything it names exists there, except the references meant to match nothing. The
 * planner is never run on them here: each was run once, at the end of its round (the seen ones are held at
 * their bar in eval.test.ts).
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

interface HeldOutSet {
  name: keyof typeof EVAL_SETS;
  cases: number;
  conversations: number;
  /** Undefined where the set does not fix it. */
  clarify?: number;
  runOnce: boolean;
  /** Run ids, names and files in goals that deliberately match nothing in the workspace. */
  missingRun?: string;
  missingNames?: string[];
  missingFiles?: string[];
  /** Cases per category, by id prefix (`conv-` holds the conversations, `miss-` the clarify cases). */
  categories?: Record<string, number>;
}

const SETS: HeldOutSet[] = [
  {
    name: 'grounded-holdout',
    cases: 60,
    conversations: 5,
    runOnce: false,
    missingFiles: ['scripts/train_bert.py', 'out/model.pt'],
  },
  {
    name: 'grounded-holdout2',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261115-090000-abcdef',
  },
  {
    name: 'grounded-holdout3',
    cases: 50,
    conversations: 3,
    clarify: 4,
    runOnce: false,
    missingRun: 'run-20261120-083000-0badc0ffee12',
    missingNames: ['churn-predictor', 'experimental', 'seattle-weather'],
    categories: { ref: 8, op: 14, prep: 6, script: 5, text: 5, train: 5, conv: 3, miss: 4 },
  },
  {
    name: 'grounded-holdout4',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261118-101500-deadbeef0042',
    missingNames: ['fraud-detector', 'canary-blue'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
  {
    name: 'grounded-holdout5',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261125-140000-feedface0099',
    missingNames: ['parcel-eta', 'shadow'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
  {
    name: 'grounded-dev2',
    cases: 50,
    conversations: 4,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261119-070000-feedfacecafe',
    missingNames: ['loan-default', 'candidate'],
    categories: { ref: 8, op: 13, prep: 6, script: 5, text: 5, train: 6, conv: 4, miss: 3 },
  },
  {
    name: 'grounded-holdout6',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261130-120000-c0ffee123456',
    missingNames: ['credit-scorer', 'golden'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
  {
    name: 'grounded-holdout7',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261201-060000-abad1dea0001',
    missingNames: ['demand-forecaster', 'bluegreen'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
  {
    name: 'grounded-holdout8',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261202-031500-0ddba11f0008',
    missingNames: ['txn-fraud', 'blue-shadow'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
  {
    name: 'grounded-holdout9',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261203-040000-0b5e55ed0009',
    missingNames: ['route-eta', 'purple'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
  {
    name: 'grounded-holdout10',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261203-051500-deadfa11c010',
    missingNames: ['grid-peak', 'amber'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
  {
    name: 'grounded-holdout11',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261202-184500-fa11ed0ff011',
    missingNames: ['claims-frequency', 'bluebird'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
  {
    name: 'grounded-holdout12',
    cases: 40,
    conversations: 3,
    clarify: 3,
    runOnce: false,
    missingRun: 'run-20261203-101500-5ca1ab1e0012',
    missingNames: ['spend-forecaster', 'teal'],
    categories: { ref: 6, op: 10, prep: 5, script: 4, text: 4, train: 5, conv: 3, miss: 3 },
  },
];

const EXPECT_KEYS = new Set(Object.keys(EvalCase.shape.expect.shape));

let ws: PopulatedWorkspace;
beforeAll(async () => {
  ws = await populatedWorkspace();
}, 300_000);

describe.each(SETS)('$name set', (set) => {
  const cases = loadCases(evalSetFile(set.name));
  const textOf = (c: EvalCase) => `${c.goal} ${(c.followUps ?? []).join(' ')}`;

  it('is registered, planned against the populated workspace, and run once when it is an unseen set', () => {
    expect(EVAL_SETS[set.name]).toBe(`${set.name}.jsonl`);
    expect(POPULATED_SETS.has(set.name)).toBe(true);
    expect(RUN_ONCE_SETS.has(set.name)).toBe(set.runOnce);
  });

  it('has unique ids, a goal and only expect keys the harness knows', () => {
    expect(cases).toHaveLength(set.cases);
    expect(new Set(cases.map((c) => c.id)).size).toBe(set.cases);
    for (const c of cases) {
      expect(c.goal.trim().length, c.id).toBeGreaterThan(0);
      for (const k of Object.keys(c.expect)) expect(EXPECT_KEYS.has(k), `${c.id}: ${k}`).toBe(true);
      for (const f of c.followUps ?? []) expect(f.trim().length, c.id).toBeGreaterThan(0);
    }
  });

  it('holds conversations in the harness format and clarify cases without plan properties', () => {
    expect(cases.filter((c) => c.followUps?.length)).toHaveLength(set.conversations);
    const clarify = cases.filter((x) => x.expect.kind === 'clarify');
    if (set.clarify !== undefined) expect(clarify).toHaveLength(set.clarify);
    for (const c of clarify)
      expect(
        Object.keys(c.expect).filter((k) => k !== 'kind' && k !== 'clarifyMentions'),
        c.id,
      ).toEqual([]);
    if (!set.categories) return;
    for (const [prefix, n] of Object.entries(set.categories))
      expect(cases.filter((c) => c.id.startsWith(`${prefix}-`)).length, prefix).toBe(n);
    expect(clarify.every((c) => c.id.startsWith('miss-'))).toBe(true);
  });

  it('fills every fact placeholder and names only runs, datasets and models that exist', () => {
    const { facts } = ws;
    const runIds = Object.values(facts.runs).map((r) => r.id);
    if (set.missingRun) expect(runIds).not.toContain(set.missingRun);
    for (const c of cases) {
      for (const text of [c.goal, ...(c.followUps ?? [])]) {
        const filled = fillFacts(text, facts);
        expect(filled, c.id).not.toMatch(/\{\{/);
        for (const id of filled.match(/run-\d{8}-\d{6}-\w+/g) ?? [])
          if (id !== set.missingRun) expect(runIds, c.id).toContain(id);
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
                textOf(c).includes((m.split('-')[0] as string).replace(/s$/, '')),
              );
        expect(name, c.id).toBeDefined();
        expect(facts.models[name as string]?.versions, c.id).toContain(v);
      }
    }
  });

  const missing = set.missingNames;
  if (missing)
    it('names in clarify goals only models, aliases and runs that do not exist', () => {
      const { facts } = ws;
      const aliases = Object.values(facts.models).flatMap((m) => Object.keys(m.aliases));
      for (const name of missing) {
        expect(facts.models, name).not.toHaveProperty(name);
        expect(aliases, name).not.toContain(name);
      }
      for (const c of cases.filter((x) => x.expect.kind === 'clarify')) {
        const text = fillFacts(c.goal, facts);
        const meant =
          missing.some((n) => text.includes(n)) || (!!set.missingRun && text.includes(set.missingRun));
        expect(meant, c.id).toBe(true);
      }
    });

  it('names only workspace files that exist, apart from the deliberate misses', () => {
    const named = cases.flatMap((c) => textOf(c).match(/\b(?:data|scripts)\/[\w.-]*\w/g) ?? []);
    expect(named.length).toBeGreaterThan(10);
    for (const p of named)
      if (!set.missingFiles?.includes(p)) expect(existsSync(path.join(ws.dir, p)), p).toBe(true);
    for (const p of set.missingFiles ?? []) expect(existsSync(path.join(ws.dir, p)), p).toBe(false);
  });
});
