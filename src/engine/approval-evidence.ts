/**
 * What a person needs to decide an approval, computed when the run reaches it: what will change (model,
 * alias, from version → to version), the challenger's metrics next to production's with deltas and their
 * direction, the data version, drift when a check ran, who asked and when the request expires.
 *
 * It reads the outputs of the steps upstream of the approval and the registry; it never runs anything. Task
 * outputs are read by shape (evaluate.model, dataset.version, monitor.drift, model.register), not by importing
 * task code: the engine stays free of tools/. Metric directions come from evaluate.model's own output
 * (`higherIsBetter`, decided in tools/lib/metrics.ts).
 */
import { z } from 'zod';
import type { Plan, Scope, Step } from '../plan/index.ts';
import { renderTemplates } from '../plan/index.ts';
import { ModelRegistry } from '../store/model-registry.ts';
import type { RunStore } from '../store/run-store.ts';

export const EvidenceChange = z.object({
  kind: z
    .enum(['deploy', 'canary', 'rollback', 'drop-canary', 'register'])
    .describe('What the downstream step does'),
  step: z.string().describe('The step that will make the change'),
  model: z.string().describe('Registered model name'),
  alias: z.string().nullable().describe('Alias moved (null for a register without alias)'),
  fromVersion: z.number().int().nullable().describe('Version the alias points at now (null: none)'),
  toVersion: z
    .number()
    .int()
    .nullable()
    .describe('Version it will point at (null: decided later in the run)'),
  newVersion: z
    .boolean()
    .describe('True when toVersion is the version a register step of this run will create'),
  share: z.number().optional().describe('Canary share of traffic'),
  when: z.string().optional().describe('The condition the step runs under, when it has one'),
});
export type EvidenceChange = z.infer<typeof EvidenceChange>;

export const EvidenceMetric = z.object({
  name: z.string().describe('Metric name, as evaluate.model reports it'),
  challenger: z.number().describe('The new model value'),
  production: z.number().optional().describe('The production model value'),
  delta: z.number().optional().describe('challenger minus production'),
  higherIsBetter: z.boolean().describe('Direction of the metric'),
  better: z.boolean().optional().describe('Whether the challenger value is the better one'),
});
export type EvidenceMetric = z.infer<typeof EvidenceMetric>;

export const ApprovalEvidence = z.object({
  summary: z.string().describe('One line for prompts and messages'),
  changes: z.array(EvidenceChange).describe('What approving lets the run change in the registry'),
  metrics: z.array(EvidenceMetric).describe('Challenger next to production, primary metric first'),
  comparedOn: z
    .enum(['same-data', 'registered-metrics', 'none'])
    .describe(
      'same-data: production scored on the challenger test rows in this run; registered-metrics: production figures recorded at its registration (other data); none: no production figures',
    ),
  primaryMetric: z.string().optional().describe('The metric that decides "better"'),
  better: z.boolean().optional().describe('Whether the challenger beats production on the primary metric'),
  evaluatedIn: z.string().optional().describe('The evaluate step the metrics come from'),
  dataVersion: z.string().optional().describe('Dataset version (name@version) the run used'),
  drift: z
    .object({
      drifted: z.boolean().describe('Dataset drift found'),
      share: z.number().describe('Share of features that drifted'),
      features: z.array(z.string()).describe('Drifted features'),
      step: z.string().describe('The drift check step'),
    })
    .optional()
    .describe('Drift status, when a drift check ran upstream'),
  requestedBy: z.string().describe('Who started the run'),
  expiresAt: z.string().describe('When the request times out'),
});
export type ApprovalEvidence = z.infer<typeof ApprovalEvidence>;

/** The parts of evaluate.model's output read here. */
const EvaluateShape = z.object({
  metrics: z.record(z.string(), z.number()),
  primaryMetric: z.string(),
  baselineMetrics: z.record(z.string(), z.number()).optional(),
  higherIsBetter: z.record(z.string(), z.boolean()).optional(),
  better: z.boolean().optional(),
  improved: z.boolean().optional(),
  production: z.object({ name: z.string(), version: z.number() }).nullable().optional(),
});
const DatasetShape = z.object({
  dataset: z.object({ name: z.string().optional(), version: z.string().optional() }),
});
const DriftShape = z.object({
  drifted: z.boolean(),
  share: z.number(),
  driftedFeatures: z.array(z.string()),
});

const CHANGING_TASKS = new Set(['deploy.http', 'model.rollback', 'model.register']);

export interface EvidenceInput {
  plan: Plan;
  approval: Step;
  /** Outputs of the steps that ran, by step id. */
  outputs: Readonly<Record<string, unknown>>;
  scope: Scope;
  store: RunStore;
  runId: string;
  expiresAt: string;
}

export function computeApprovalEvidence(input: EvidenceInput): ApprovalEvidence {
  const { plan, approval, outputs } = input;
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const upstream = closure(approval.id, (id) => byId.get(id)?.dependsOn ?? []);
  const dependents = new Map<string, string[]>();
  for (const s of plan.steps)
    for (const d of s.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), s.id]);
  const downstream = closure(approval.id, (id) => dependents.get(id) ?? []);
  const ran = (task: string) =>
    plan.steps.filter((s) => s.kind === 'task' && s.task === task && upstream.has(s.id) && s.id in outputs);

  const registry = new ModelRegistry(input.store.db);
  const changes = plan.steps
    .filter((s) => s.kind === 'task' && CHANGING_TASKS.has(s.task) && downstream.has(s.id))
    .flatMap((s) =>
      changeOf(s, input.scope, registry, plan, downstream).map((c) => (s.when ? { ...c, when: s.when } : c)),
    );

  const evaluation = ran('evaluate.model')
    .map((s) => ({ step: s.id, out: EvaluateShape.safeParse(outputs[s.id]) }))
    .filter((e) => e.out.success)
    .at(-1);
  const evidence: ApprovalEvidence = {
    summary: '',
    changes,
    metrics: [],
    comparedOn: 'none',
    requestedBy: input.store.getRun(input.runId)?.createdBy ?? 'unknown',
    expiresAt: input.expiresAt,
  };
  if (evaluation?.out.success) {
    const e = evaluation.out.data;
    const target = changes.find((c) => c.kind !== 'register') ?? changes[0];
    let production = e.baselineMetrics;
    evidence.comparedOn = production ? 'same-data' : 'none';
    if (!production && target && target.fromVersion !== null) {
      production = registeredMetrics(registry, target.model, target.fromVersion);
      if (production) evidence.comparedOn = 'registered-metrics';
    }
    const names = [e.primaryMetric, ...Object.keys(e.metrics).filter((k) => k !== e.primaryMetric)];
    evidence.metrics = names.flatMap((name) => {
      const challenger = e.metrics[name];
      const direction = e.higherIsBetter?.[name];
      if (challenger === undefined || direction === undefined) return [];
      const prod = production?.[name];
      if (prod === undefined) return [{ name, challenger, higherIsBetter: direction }];
      const delta = challenger - prod;
      return [
        {
          name,
          challenger,
          production: prod,
          delta,
          higherIsBetter: direction,
          better: direction ? delta > 0 : delta < 0,
        },
      ];
    });
    evidence.primaryMetric = e.primaryMetric;
    evidence.evaluatedIn = evaluation.step;
    if (evidence.comparedOn === 'same-data') evidence.better = e.better ?? e.improved;
    else if (evidence.comparedOn === 'registered-metrics')
      evidence.better = evidence.metrics.find((m) => m.name === e.primaryMetric)?.better;
  }
  const version = ran('dataset.version')
    .map((s) => DatasetShape.safeParse(outputs[s.id]))
    .flatMap((r) => (r.success && r.data.dataset.version ? [r.data.dataset] : []))
    .at(-1);
  if (version) evidence.dataVersion = `${version.name ?? 'dataset'}@${version.version}`;
  const driftStep = ran('monitor.drift').at(-1);
  const drift = driftStep ? DriftShape.safeParse(outputs[driftStep.id]) : undefined;
  if (driftStep && drift?.success) {
    evidence.drift = {
      drifted: drift.data.drifted,
      share: drift.data.share,
      features: drift.data.driftedFeatures,
      step: driftStep.id,
    };
  }
  evidence.summary = summarize(evidence);
  return ApprovalEvidence.parse(evidence);
}

function closure(start: string, next: (id: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...next(start)];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...next(id));
  }
  return seen;
}

function registeredMetrics(registry: ModelRegistry, model: string, version: number) {
  try {
    const m = registry.getVersion(model, version).metrics;
    return Object.keys(m).length ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Renders what it can of a step's inputs now; references to steps that have not run stay unresolved. */
function renderable(value: unknown, scope: Scope): unknown {
  try {
    return renderTemplates(value, scope);
  } catch {
    return undefined;
  }
}

/** `${{ steps.<id>.outputs.version }}` or `${{ steps.<id>.outputs.canary.version }}`. */
const TEMPLATE_STEP = /^\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.(version|canary\.version)\s*\}\}$/;

/** The canary a deploy.http step after the approval will start for `model`, if any. */
function plannedCanary(plan: Plan, downstream: Set<string>, model: string, scope: Scope) {
  for (const s of plan.steps) {
    if (s.kind !== 'task' || s.task !== 'deploy.http' || !downstream.has(s.id)) continue;
    const w = s.with as Record<string, unknown>;
    const canary = (renderable(w.canary, scope) ?? w.canary) as { version?: unknown } | undefined;
    if (w.model === model && canary && typeof canary === 'object') return { step: s, canary };
  }
  return undefined;
}

/** What one downstream step will change, as far as it can be known now. */
function changeOf(
  step: Step,
  scope: Scope,
  registry: ModelRegistry,
  plan: Plan,
  downstream: Set<string>,
): EvidenceChange[] {
  if (step.kind !== 'task') return [];
  const raw = step.with as Record<string, unknown>;
  const field = (key: string) => {
    const v = raw[key];
    const r = renderable(v, scope);
    return typeof r === 'string' && r.includes('${{') ? undefined : r;
  };
  const modelName = (step.task === 'model.register' ? field('name') : field('model')) as unknown;
  if (typeof modelName !== 'string') return [];
  const model = modelName.split(/[@:]/)[0] as string;
  const known = registry.hasModel(model);
  const aliasNow = (alias: string) => (known ? (registry.getAliases(model)[alias] ?? null) : null);
  const latest = known ? (registry.listVersions(model)[0]?.version ?? 0) : 0;
  const resolve = (v: unknown, depth = 0): { version: number | null; isNew: boolean } => {
    if (typeof v === 'number') return { version: v, isNew: false };
    if (typeof v === 'string' && /^\d+$/.test(v)) return { version: Number(v), isNew: false };
    if (typeof v === 'string' && !v.includes('${{')) return { version: aliasNow(v), isNew: false };
    const m = typeof v === 'string' ? TEMPLATE_STEP.exec(v) : null;
    const source = m ? plan.steps.find((s) => s.id === m[1]) : undefined;
    if (source?.kind !== 'task' || !downstream.has(source.id) || depth > 5)
      return { version: null, isNew: false };
    // A register step still to run creates the next version.
    if (source.task === 'model.register') return { version: latest + 1, isNew: true };
    // A deploy step still to run: the version (or canary version) it names.
    if (source.task === 'deploy.http') {
      const w = source.with as Record<string, unknown>;
      const next =
        m?.[2] === 'canary.version' ? (w.canary as { version?: unknown } | undefined)?.version : w.version;
      return resolve(next, depth + 1);
    }
    return { version: null, isNew: false };
  };
  const rawValue = (key: string) => {
    const r = renderable(raw[key], scope);
    return r === undefined ? raw[key] : r;
  };

  if (step.task === 'model.register') {
    const alias = field('alias');
    return [
      {
        kind: 'register',
        step: step.id,
        model,
        alias: typeof alias === 'string' ? alias : null,
        fromVersion: typeof alias === 'string' ? aliasNow(alias) : null,
        toVersion: latest + 1,
        newVersion: true,
      },
    ];
  }
  if (step.task === 'deploy.http') {
    const alias = typeof field('alias') === 'string' ? (field('alias') as string) : 'production';
    const canary = rawValue('canary') as { version?: unknown; share?: unknown } | undefined;
    if (canary && typeof canary === 'object') {
      const to = resolve(canary.version);
      return [
        {
          kind: 'canary',
          step: step.id,
          model,
          alias,
          fromVersion: aliasNow(alias),
          toVersion: to.version,
          newVersion: to.isNew,
          ...(typeof canary.share === 'number' ? { share: canary.share } : {}),
        },
      ];
    }
    const to = resolve(rawValue('version'));
    return [
      {
        kind: 'deploy',
        step: step.id,
        model,
        alias,
        fromVersion: aliasNow(alias),
        toVersion: to.version,
        newVersion: to.isNew,
      },
    ];
  }
  // model.rollback
  const state = known ? registry.servingState(model) : undefined;
  const alias =
    typeof field('alias') === 'string' ? (field('alias') as string) : (state?.alias ?? 'production');
  const toVersion = rawValue('toVersion');
  // A canary active now, or started by a step of this run before the rollback: the rollback drops it.
  const planned = toVersion === undefined ? plannedCanary(plan, downstream, model, scope) : undefined;
  if ((state?.canary || planned) && toVersion === undefined) {
    const canaryVersion = planned
      ? resolve(planned.canary.version).version
      : (state?.canary?.version ?? null);
    return [
      {
        kind: 'drop-canary',
        step: step.id,
        model,
        alias,
        fromVersion: canaryVersion,
        toVersion: planned ? aliasNow(alias) : (state?.version ?? null),
        newVersion: false,
      },
    ];
  }
  const to =
    toVersion === undefined
      ? { version: previousVersion(registry, model, alias), isNew: false }
      : resolve(toVersion);
  return [
    {
      kind: 'rollback',
      step: step.id,
      model,
      alias,
      fromVersion: aliasNow(alias),
      toVersion: to.version,
      newVersion: false,
    },
  ];
}

/** Where a rollback of the alias would land: the registry's own replay of its history. */
function previousVersion(registry: ModelRegistry, model: string, alias: string): number | null {
  if (!registry.hasModel(model)) return null;
  const stack: (number | undefined)[] = [];
  for (const m of registry.aliasHistory(model, alias)) {
    if (m.action === 'set') stack.push(m.fromVersion);
    else stack.pop();
  }
  return stack.at(-1) ?? null;
}

const fmt = (n: number) => String(Number(n.toFixed(4)));
const signed = (n: number) => (n >= 0 ? `+${fmt(n)}` : fmt(n));

function describeChange(c: EvidenceChange): string {
  const to =
    c.toVersion === null ? 'a version chosen later' : `v${c.toVersion}${c.newVersion ? ' (new)' : ''}`;
  const from = c.fromVersion === null ? 'nothing' : `v${c.fromVersion}`;
  const when = c.when ? ` — if ${c.when}` : '';
  switch (c.kind) {
    case 'deploy':
      return `deploy ${c.model} ${to} as ${c.alias} (now ${from})${when}`;
    case 'canary':
      return `send ${c.share !== undefined ? `${Math.round(c.share * 100)}% of ` : ''}${c.model} traffic to ${to} (${c.alias} stays ${from})${when}`;
    case 'rollback':
      return `roll ${c.model} ${c.alias} back from ${from} to ${to}${when}`;
    case 'drop-canary':
      return `drop the ${from} canary of ${c.model} (${c.alias} stays ${to})${when}`;
    case 'register':
      return `register ${c.model} ${to}${c.alias ? ` as ${c.alias}` : ''}${when}`;
  }
}

function summarize(e: ApprovalEvidence): string {
  const parts: string[] = [];
  const changes = e.changes.filter((c) => c.kind !== 'register' || e.changes.length === 1);
  parts.push(changes.length ? changes.map(describeChange).join('; ') : 'no registry change downstream');
  const primary = e.metrics.find((m) => m.name === e.primaryMetric);
  if (primary) {
    if (primary.production !== undefined && primary.delta !== undefined) {
      const verdict = primary.better ? 'better than' : 'not better than';
      const where = e.comparedOn === 'same-data' ? 'on the same test rows' : 'vs its registered figure';
      parts.push(
        `${primary.name} ${fmt(primary.challenger)} vs production ${fmt(primary.production)} (${signed(primary.delta)}, ${verdict} production ${where})`,
      );
    } else {
      parts.push(`${primary.name} ${fmt(primary.challenger)} (production figures unknown)`);
    }
  }
  if (e.dataVersion) parts.push(`data ${e.dataVersion}`);
  if (e.drift) parts.push(e.drift.drifted ? `drift in ${e.drift.features.join(', ')}` : 'no drift');
  return parts.join(' · ');
}

/** Lines for a terminal prompt or `show`: the summary's parts spelled out, metrics as a small table. */
export function evidenceLines(e: ApprovalEvidence): string[] {
  const lines = e.changes.map((c) => `change   ${describeChange(c)}`);
  if (e.metrics.length) {
    const where =
      e.comparedOn === 'same-data'
        ? ` (production scored on the same test rows in ${e.evaluatedIn})`
        : e.comparedOn === 'registered-metrics'
          ? ' (production: figures recorded at its registration, other data)'
          : ' (no production figures to compare with)';
    lines.push(`metrics${where}`);
    const width = Math.max(...e.metrics.map((m) => m.name.length));
    for (const m of e.metrics) {
      const name = `${m.name} ${m.higherIsBetter ? '↑' : '↓'}`.padEnd(width + 2);
      lines.push(
        m.production === undefined
          ? `  ${name}  ${fmt(m.challenger)}`
          : `  ${name}  ${fmt(m.challenger)} vs ${fmt(m.production)}  ${signed(m.delta ?? 0)}${m.better ? '  better' : '  worse'}`,
      );
    }
  }
  if (e.dataVersion) lines.push(`data     ${e.dataVersion}`);
  if (e.drift)
    lines.push(
      `drift    ${e.drift.drifted ? `drifted (${Math.round(e.drift.share * 100)}%: ${e.drift.features.join(', ')})` : 'none found'}`,
    );
  lines.push(`asked by ${e.requestedBy}, expires ${e.expiresAt}`);
  return lines;
}
