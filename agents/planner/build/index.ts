/**
 * Resolved frame → plan: the builder for the frame's operation. A pipeline that trains a new version of a
 * registered model (named in the goal, or found by its target and data) registers under that name and, when
 * it deploys over production, compares with production on the same held-out rows (champion/challenger) unless
 * the goal says not to.
 */
import type { DatasetDescription } from '../describe-dataset.ts';
import type { IntentFrame } from '../intent.ts';
import { buildPlan, type Champion, resolveTarget } from '../offline/build.ts';
import { matchColumn } from '../offline/columns.ts';
import { tryBindModel } from '../resolve.ts';
import type { DraftOutcome } from '../types.ts';
import { buildAi } from './ai.ts';
import { buildCompare } from './compare.ts';
import {
  buildCanary,
  buildMonitorTraffic,
  buildPromote,
  buildRollback,
  buildScore,
  buildServingMetrics,
  type OperationContext,
} from './operations.ts';
import { buildRerun } from './rerun.ts';
import { retargetRerun } from './rerun-target.ts';
import { buildScript } from './script.ts';

export type { OperationContext } from './operations.ts';

export interface FrameContext extends OperationContext {
  data?: DatasetDescription | undefined;
  second?: DatasetDescription | undefined;
}

/** The registered model a training pipeline makes a new version of, if any. */
function registeredModel(
  frame: IntentFrame,
  ctx: FrameContext,
): { name: string; named: boolean } | undefined {
  const models = ctx.look.models();
  if (frame.modelName) return { name: frame.modelName, named: true };
  for (const r of frame.refs.models) {
    if (r.role === 'scorer') continue;
    const b = tryBindModel(r, ctx.look);
    if (b) return { name: b.name, named: true };
  }
  const src = frame.sources[0];
  if (!ctx.data || src?.kind !== 'file') return undefined;
  const target = resolveTarget(frame, ctx.data);
  if (!target) return undefined;
  // Same target, trained from the same file: the workspace's model for this goal.
  const same = models.filter((m) =>
    m.versions.some((v) => v.target === target && v.sources.includes(src.path)),
  );
  return same.length === 1 ? { name: (same[0] as { name: string }).name, named: false } : undefined;
}

export async function planFromFrame(frame: IntentFrame, ctx: FrameContext): Promise<DraftOutcome> {
  switch (frame.operation) {
    case 'score':
      return buildScore(frame, ctx);
    case 'monitor-traffic':
      return buildMonitorTraffic(frame, ctx);
    case 'serving-metrics':
      return buildServingMetrics(frame, ctx);
    case 'rollback':
      return buildRollback(frame, ctx);
    case 'canary':
      return buildCanary(frame, ctx);
    case 'promote':
      return buildPromote(frame, ctx);
    case 'compare':
      return buildCompare(frame, ctx);
    case 'rerun':
      return retargetRerun(buildRerun(frame, ctx), frame, ctx);
    case 'script':
      return buildScript(frame, ctx);
    case 'ai':
      return buildAi(frame, ctx);
    default:
      return buildPipeline(frame, ctx);
  }
}

async function buildPipeline(frame: IntentFrame, ctx: FrameContext): Promise<DraftOutcome> {
  const reg = frame.wants.train ? registeredModel(frame, ctx) : undefined;
  const model = reg ? ctx.look.models().find((m) => m.name === reg.name) : undefined;
  let spec = frame;
  // "retrain the production penguins model": a new version of a registered model is registered under its name,
  // and predicts what that model predicts unless the goal names another column.
  if (reg?.named && model && !frame.wants.register)
    spec = { ...spec, wants: { ...spec.wants, register: true } };
  const modelTarget = model?.versions[0]?.target;
  if (reg?.named && modelTarget && ctx.data?.columns.some((c) => c.name === modelTarget)) {
    const names = ctx.data.columns.map((c) => c.name);
    const explicit = frame.targetPhrases.map((p) => matchColumn(p, names)).find((m) => m && m.score >= 0.85);
    if (!explicit) spec = { ...spec, targetPhrases: [modelTarget, ...spec.targetPhrases] };
  }
  let champion: Champion | undefined;
  const production = model?.aliases.production;
  if (model && production !== undefined && frame.compareWithProduction !== false) {
    const prod = model.versions.find((v) => v.version === production);
    if (frame.wants.deploy && !prod?.filesExist)
      return {
        kind: 'clarify',
        question: `${model.name} production (v${production}) cannot be evaluated: its model files are gone, so its metrics on this data are unknown and a new version cannot be compared with it. Deploy without comparing (say "without comparing with production"), or restore v${production} first?`,
      };
    if (prod?.filesExist) champion = { name: model.name, production };
  }
  return buildPlan({
    spec,
    data: ctx.data,
    second: ctx.second,
    ...(reg && model ? { registeredAs: reg.name } : reg?.named ? { registeredAs: reg.name } : {}),
    ...(champion ? { champion } : {}),
  });
}
