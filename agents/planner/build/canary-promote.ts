/** canary: approve → deploy.http with a canary share → serving.watch → promote | drop the canary. */
import type { IntentFrame } from '../intent.ts';
import { slug } from '../offline/words.ts';
import type { DraftOutcome } from '../types.ts';
import { bound, clarify, filesGone, type OperationContext } from './operation-context.ts';
import { watchInput } from './serving-limits.ts';
import { approvalStep, notifyStep, out, planOf, type StepIn } from './steps.ts';

export function buildCanary(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const got = bound(frame, ctx, 'new');
  if (!got.ok) return got.outcome;
  const b = got.b;
  const production = b.model.aliases.production;
  if (production === undefined)
    return clarify(
      `${b.name} has no production version for a canary to share traffic with. Deploy a version first, or promote v${b.version} directly?`,
    );
  if (b.version === production)
    return clarify(
      `${b.name} v${b.version} is already production. Which version should get the canary share (${b.model.versions
        .filter((v) => v.version !== production)
        .map((v) => `v${v.version}`)
        .join(', ')})?`,
    );
  if (!b.facts.filesExist) return filesGone(b);
  const notes: string[] = [];
  const share = frame.canary?.share ?? 0.1;
  const duration = frame.canary?.duration ?? frame.watch?.duration ?? '1h';
  if (frame.canary?.share === undefined) notes.push('no share given: the canary gets 10% of requests');
  if (frame.canary?.duration === undefined && !frame.watch?.duration)
    notes.push('no duration given: the canary is watched for 1h');
  const limits = watchInput(frame, b.name, duration);
  if (Object.keys(limits).length === 2)
    notes.push(
      'no serving limit given: serving.watch judges the canary with its defaults (error-rate rise, p95 ratio)',
    );
  // "if it beats prod, ship v2 as a 10% canary": the candidate is evaluated against production first.
  const steps: StepIn[] = [];
  let gate: string | undefined;
  const beatsProduction =
    frame.compareWithProduction === true ||
    (frame.compareWithProduction !== false && frame.gate?.kind === 'improve');
  if (beatsProduction) {
    const prod = b.model.versions.find((v) => v.version === production);
    if (!prod?.filesExist)
      return clarify(
        `Production ${b.name} v${production} cannot be evaluated (its model files are gone), so whether v${b.version} is better is unknown. Start the canary without comparing, or restore v${production} first?`,
      );
    if (!b.facts.heldOut)
      return clarify(
        `No held-out rows of v${b.version}'s training run are left to compare it with production v${production} on. Which test data should both be evaluated on, or start the canary without comparing?`,
      );
    steps.push({
      id: 'compare',
      task: 'evaluate.model',
      with: {
        model: b.facts.modelRef,
        baseline: `${b.name}@production`,
        dataset: b.facts.heldOut,
        ...(frame.metric ? { primaryMetric: frame.metric } : {}),
      },
    });
    gate = 'steps.compare.outputs.better == true';
    notes.push(
      `v${b.version} and production v${production} are evaluated on v${b.version}'s held-out rows first; the canary starts only if v${b.version} is better`,
    );
  }
  steps.push(
    approvalStep(
      frame,
      'approve',
      gate ? ['compare'] : [],
      `Send ${Math.round(share * 100)}% of ${b.name} requests to v${b.version} for ${duration} (production stays v${production}), then promote v${b.version} if it stays healthy or drop the canary if it regresses?`,
      gate,
    ),
    {
      id: 'canary',
      task: 'deploy.http',
      dependsOn: ['approve'],
      ...(gate ? { when: gate } : {}),
      with: {
        model: b.name,
        version: 'production',
        canary: { version: b.version, share },
        reason: `canary of v${b.version}: ${frame.goal.slice(0, 120)}`,
      },
    },
    {
      id: 'watch',
      task: 'serving.watch',
      dependsOn: ['canary'],
      ...(gate ? { when: gate } : {}),
      with: limits,
    },
    {
      id: 'promote',
      task: 'deploy.http',
      dependsOn: ['watch'],
      when: 'steps.watch.outputs.healthy == true',
      with: { model: b.name, version: b.version, reason: `canary of v${b.version} stayed healthy` },
    },
    {
      id: 'rollback',
      task: 'model.rollback',
      dependsOn: ['watch'],
      when: 'steps.watch.outputs.regressed == true',
      // "if it regresses go back to version 1": a version the goal names is the one rolled back to.
      with: {
        model: b.name,
        ...(frame.rollback?.toVersion !== undefined ? { toVersion: frame.rollback.toVersion } : {}),
        reason: `canary of v${b.version} regressed`,
      },
    },
  );
  notes.push(
    `v${b.version} is promoted when the watch ends healthy; when it regresses the canary is dropped and v${production} keeps serving`,
  );
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'watch', {
    title: `pipewright: canary of ${b.name} v${b.version}`,
    text: `healthy: ${out('watch', 'healthy')}; ${out('watch', 'reasons')}`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-canary-v${b.version}`, 80),
      `Canary of ${b.name} v${b.version} at ${Math.round(share * 100)}% for ${duration}, then promote or roll back`,
      steps,
      inputs,
      notes,
      { model: { name: b.name, version: b.version, production } },
    ),
    notes,
  };
}
