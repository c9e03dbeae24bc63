/**
 * Property checks for plans made against a workspace with a history (the grounded set): which registered
 * model a step scores with or watches, which run a plan is based on, which dataset version it reads, the
 * champion it is compared with, canary and watch settings, own scripts, text features, the traffic window of a
 * drift check, where scores are written, the alias a version is registered under. Expected values that
 * depend on the fixture (run ids, dataset versions) are looked up in its facts and registry, never written in
 * the eval file.
 */

import type { Plan } from '../../src/plan/index.ts';
import { isListedApprover } from '../../src/policy/approver-names.ts';
import type { ModelRegistry } from '../../src/store/index.ts';
import type { PopulatedFacts } from '../../test/fixtures/populated-workspace.ts';

type TaskStepT = Extract<Plan['steps'][number], { kind: 'task' }>;
export const tasksOf = (plan: Plan, prefix: string) =>
  plan.steps.filter((s): s is TaskStepT => s.kind === 'task' && s.task.startsWith(prefix));

/** What the grounded set may expect beyond the classic properties. */
export interface GroundedExpect {
  predictModel?: string | undefined;
  servedModel?: string | undefined;
  driftReferenceOf?: string | undefined;
  servingWindow?: string | undefined;
  basedOnRun?: string | undefined;
  sameParams?: boolean | undefined;
  dataVersion?: string | undefined;
  champion?: string | false | undefined;
  deployVersion?: number | undefined;
  canary?: { share: number; duration: string } | undefined;
  watch?: number[] | undefined;
  rollbackModel?: string | undefined;
  rollbackTo?: number | undefined;
  command?: string[] | undefined;
  registers?: string | undefined;
  memory?: string | undefined;
  textColumns?: string[] | undefined;
  params?: Record<string, unknown> | undefined;
  validationShare?: number | undefined;
  datasetName?: string | undefined;
  approvers?: string[] | undefined;
  /** The period of served traffic a drift check reads (monitor.traffic `window`), e.g. "24h". */
  trafficWindow?: string | undefined;
  /** Where batch scores are written (predict.batch `output`), e.g. "scores/". */
  scoreOutput?: string | undefined;
  /** The alias a new version is registered under (model.register `alias`), e.g. "staging". */
  registerAlias?: string | undefined;
}

export interface GroundedContext {
  facts: PopulatedFacts;
  registry: ModelRegistry;
  /** The plan of a run, by id (for sameParams). */
  runPlan: (runId: string) => Plan | undefined;
}

/** "cars-mpg@production", "cars-mpg:2", "cars-mpg@v2", "cars-mpg v2" → { name, version | alias }. */
export function parseModelRef(text: string): { name: string; version?: number; alias?: string } | undefined {
  const m = /^\s*([A-Za-z0-9][\w.-]*?)(?:\s*(?:[:@]\s*|\s+)v?(\d+)|@([A-Za-z][\w.-]*))?\s*$/.exec(text);
  if (!m) return undefined;
  const name = m[1] as string;
  if (m[2]) return { name, version: Number(m[2]) };
  if (m[3]) return { name, alias: m[3] };
  return { name, alias: 'production' };
}

const sameRef = (a: string, b: string) => {
  const x = parseModelRef(a);
  const y = parseModelRef(b);
  return !!x && !!y && x.name === y.name && x.version === y.version && x.alias === y.alias;
};

/** "2h", "120m", "7200s", "1d", "two hours" → seconds. */
export function durationSeconds(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
  if (!m) return undefined;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function numbersIn(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) numbersIn(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) numbersIn(x, out);
  return out;
}

const stringsIn = (v: unknown): string[] => {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v && typeof v === 'object') return Object.values(v).flatMap(stringsIn);
  return [];
};

const versionOf = (v: unknown, model: string): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const r = parseModelRef(v.includes(model) ? v : `${model}:${v.replace(/^v/, '')}`);
  return r?.version;
};

/** Checks the grounded properties of one plan; returns the number checked and the failures. */
export function checkGrounded(
  e: GroundedExpect,
  plan: Plan,
  ctx: GroundedContext,
): { total: number; failures: string[] } {
  const failures: string[] = [];
  let total = 0;
  const check = (name: string, ok: boolean, got: unknown) => {
    total++;
    if (!ok) failures.push(`${name}: got ${JSON.stringify(got)?.slice(0, 200)}`);
  };
  const train = tasksOf(plan, 'train.');
  const first = train[0];
  const modelsOf = (prefix: string) => tasksOf(plan, prefix).map((s) => s.with.model);

  if (e.predictModel !== undefined) {
    const got = modelsOf('predict.');
    check(
      'predictModel',
      got.some((m) => typeof m === 'string' && sameRef(m, e.predictModel as string)),
      got,
    );
  }
  if (e.servedModel !== undefined) {
    const got = [...modelsOf('monitor.traffic'), ...modelsOf('serving.')];
    check('servedModel', got.length > 0 && got.every((m) => m === e.servedModel), got);
  }
  if (e.driftReferenceOf !== undefined) {
    const ref = parseModelRef(e.driftReferenceOf);
    let expected: string | undefined;
    try {
      if (ref)
        expected = ctx.registry.getVersion(ref.name, ref.version ?? ref.alias ?? 'production').dataset?.hash;
    } catch {
      expected = undefined;
    }
    // The reference is the recorded training data itself, or a model.dataset step that reads it at run time.
    const drift = tasksOf(plan, 'monitor.drift')[0];
    const got = JSON.stringify(drift?.with.reference ?? null);
    const via = /steps\.([\w-]+)\.outputs\.dataset/.exec(got)?.[1];
    const step = tasksOf(plan, 'model.dataset').find((s) => s.id === via);
    const named =
      typeof step?.with.model === 'string' && !!ref && sameRef(step.with.model, e.driftReferenceOf);
    check('driftReference', !!expected && (got.includes(expected) || named), step?.with ?? got.slice(0, 120));
  }
  if (e.servingWindow !== undefined) {
    const s = tasksOf(plan, 'serving.')[0];
    const want = durationSeconds(e.servingWindow);
    check('servingWindow', durationSeconds(s?.with.window) === want, s?.with);
  }
  if (e.basedOnRun !== undefined) {
    const want = ctx.facts.runs[e.basedOnRun as keyof PopulatedFacts['runs']]?.id;
    const basedOn = (plan.metadata as { basedOn?: { runId?: string } }).basedOn;
    check('basedOnRun', !!want && basedOn?.runId === want, basedOn);
  }
  if (e.sameParams) {
    const want = ctx.facts.runs[e.basedOnRun as keyof PopulatedFacts['runs']]?.id;
    const base = want ? ctx.runPlan(want) : undefined;
    const baseTrain = base ? tasksOf(base, 'train.') : [];
    const same =
      baseTrain.length > 0 &&
      baseTrain.every((b) => {
        const t = train.find((x) => x.id === b.id);
        return (
          t !== undefined &&
          t.task === b.task &&
          JSON.stringify(t.with.params ?? {}) === JSON.stringify(b.with.params ?? {}) &&
          t.with.algorithm === b.with.algorithm &&
          t.with.target === b.with.target
        );
      });
    check(
      'sameParams',
      same,
      train.map((t) => t.with.params),
    );
  }
  if (e.dataVersion !== undefined) {
    const [name] = e.dataVersion.split('@');
    const newest = ctx.facts.datasets[name as string]?.at(-1);
    // The version id in a step (the data it reads) or in what the plan records it is based on.
    const text = JSON.stringify({
      steps: plan.steps,
      basedOn: (plan.metadata as { basedOn?: unknown }).basedOn,
    });
    check('dataVersion', !!newest && text.includes(newest), newest);
  }
  if (e.champion !== undefined) {
    const baselines = tasksOf(plan, 'evaluate.')
      .map((s) => s.with.baseline)
      .filter((b) => b !== undefined);
    if (e.champion === false) check('champion', baselines.length === 0, baselines);
    else {
      const name = e.champion;
      check(
        'champion',
        baselines.some((b) =>
          // A bare model name is what production serves (evaluate.model's baseline reference).
          stringsIn(b).some(
            (s) => s === name || (s.includes(name) && (/production/.test(s) || /\$\{\{/.test(s))),
          ),
        ),
        baselines,
      );
    }
  }
  if (e.deployVersion !== undefined) {
    const got = tasksOf(plan, 'deploy.').flatMap((s) => [
      versionOf(s.with.version, String(s.with.model)),
      versionOf((s.with.canary as { version?: unknown } | undefined)?.version, String(s.with.model)),
    ]);
    check('deployVersion', got.includes(e.deployVersion), got);
  }
  if (e.canary !== undefined) {
    const dep = tasksOf(plan, 'deploy.').find((s) => s.with.canary);
    const share = (dep?.with.canary as { share?: number } | undefined)?.share;
    // The canary's period is the watch that decides it; a serving report before it has a window of its own.
    const timed = tasksOf(plan, 'serving.').filter((s) => s.with.duration !== undefined || s.with.window);
    const watch = timed.find((s) => s.task === 'serving.watch') ?? timed[0];
    const dur = durationSeconds(watch?.with.duration ?? watch?.with.window);
    check('canary', share === e.canary.share && dur === durationSeconds(e.canary.duration), {
      share,
      duration: watch?.with.duration ?? watch?.with.window,
    });
  }
  if (e.watch !== undefined) {
    // Limits are inputs of serving.watch, or conditions on serving.metrics outputs in a later step's `when`.
    const whens = plan.steps.flatMap((s) =>
      typeof s.when === 'string' && /steps\.[\w-]+\.outputs\.(?:latencyMs|errorRate|errors)/.test(s.when)
        ? (s.when.match(/\d+(?:\.\d+)?/g) ?? []).map(Number)
        : [],
    );
    const nums = [...tasksOf(plan, 'serving.').flatMap((s) => numbersIn(s.with)), ...whens];
    check(
      'watch',
      e.watch.every((n) => nums.some((x) => Math.abs(x - n) < 1e-9)),
      nums,
    );
  }
  if (e.rollbackModel !== undefined) {
    const got = modelsOf('model.rollback');
    check('rollbackModel', got.includes(e.rollbackModel), got);
  }
  if (e.rollbackTo !== undefined) {
    const r = tasksOf(plan, 'model.rollback')[0];
    const got = r?.with.toVersion ?? r?.with.version;
    check('rollbackTo', versionOf(got, String(r?.with.model)) === e.rollbackTo, r?.with);
  }
  if (e.command !== undefined) {
    // train.command takes a command list, or a script and its args.
    const w = tasksOf(plan, 'train.command')[0]?.with ?? {};
    const cmd = Array.isArray(w.command) ? w.command : [w.script, ...(Array.isArray(w.args) ? w.args : [])];
    const list = cmd.filter((x) => x !== undefined).map(String);
    let at = 0;
    for (const part of list) if (part === e.command[at]) at++;
    check('command', at === e.command.length, list);
  }
  if (e.registers !== undefined) {
    const reg = tasksOf(plan, 'model.register')[0];
    check('registers', JSON.stringify(reg?.with ?? {}).includes(e.registers), reg?.with);
  }
  if (e.memory !== undefined) check('memory', first?.resources?.memory === e.memory, first?.resources);
  if (e.textColumns !== undefined) {
    const got = first?.with.textColumns;
    check(
      'textColumns',
      Array.isArray(got) &&
        got.length === e.textColumns.length &&
        e.textColumns.every((c) => got.includes(c)),
      got,
    );
  }
  if (e.params !== undefined) {
    const got = (first?.with.params ?? {}) as Record<string, unknown>;
    check(
      'params',
      Object.entries(e.params).every(([k, v]) => got[k] === v),
      got,
    );
  }
  if (e.validationShare !== undefined) {
    const split = tasksOf(plan, 'dataset.split')[0];
    check('validationShare', split?.with.validationShare === e.validationShare, split?.with.validationShare);
  }
  if (e.datasetName !== undefined) {
    const v = tasksOf(plan, 'dataset.version')[0];
    check('datasetName', v?.with.name === e.datasetName, v?.with.name);
  }
  if (e.approvers !== undefined) {
    const got = plan.steps.flatMap((s) => (s.kind === 'approval' ? (s.approvers ?? []) : []));
    check(
      'approvers',
      (e.approvers ?? []).every((a) => isListedApprover(got, a)),
      got,
    );
  }
  if (e.trafficWindow !== undefined) {
    const t = tasksOf(plan, 'monitor.traffic')[0];
    check('trafficWindow', durationSeconds(t?.with.window) === durationSeconds(e.trafficWindow), t?.with);
  }
  if (e.scoreOutput !== undefined) {
    const got = tasksOf(plan, 'predict.')[0]?.with.output;
    const norm = (v: unknown) => (typeof v === 'string' ? v.replace(/^\.\//, '') : v);
    check('scoreOutput', norm(got) === norm(e.scoreOutput), got);
  }
  if (e.registerAlias !== undefined) {
    const reg = tasksOf(plan, 'model.register')[0];
    check('registerAlias', reg?.with.alias === e.registerAlias, reg?.with.alias);
  }
  return { total, failures };
}

/** Replaces {{runs.<key>.id}} (and other fact paths) in eval text with the fixture's values. */
export function fillFacts(text: string, facts: PopulatedFacts | undefined): string {
  if (!facts) return text;
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (all, p: string) => {
    let v: unknown = facts;
    for (const k of p.split('.'))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : all;
  });
}
