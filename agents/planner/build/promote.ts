/**
 * promote  evaluate.model (candidate vs production on the candidate's held-out rows) → approve → deploy
 *          [→ serving.watch → model.rollback on a breach] [→ notify]
 * "deploy v2, watch it for 90 minutes and go back to v1 if p95 passes 400 ms": the deploy is guarded by a watch
 * and a rollback to the named version, or to the version production served before the deploy.
 */
import type { IntentFrame } from '../intent.ts';
import { slug } from '../offline/words.ts';
import type { BoundModel } from '../resolve.ts';
import type { DraftOutcome } from '../types.ts';
import { bound, clarify, filesGone, type OperationContext } from './operation-context.ts';
import { watchInput } from './serving-limits.ts';
import { approvalStep, notifyStep, out, planOf, type StepIn } from './steps.ts';

export function buildPromote(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const got = bound(frame, ctx, 'new');
  if (!got.ok) return got.outcome;
  const b = got.b;
  const production = b.model.aliases.production;
  if (b.version === production)
    return clarify(
      `${b.name} v${b.version} is already production. Which version should be promoted (${b.model.versions
        .map((v) => `v${v.version}`)
        .reverse()
        .join(', ')})?`,
    );
  if (!b.facts.filesExist) return filesGone(b);
  const notes: string[] = [];
  const steps: StepIn[] = [];
  let gate: string | undefined;
  // The candidate is pinned by its stored reference (folder and hash); production is resolved when the run starts.
  const candidate = b.facts.modelRef;
  if (production !== undefined && frame.compareWithProduction !== false) {
    const prod = b.model.versions.find((v) => v.version === production);
    if (!prod?.filesExist)
      return clarify(
        `Production ${b.name} v${production} cannot be evaluated (its model files are gone), so whether v${b.version} is better is unknown. Promote v${b.version} without comparing (say "without comparing"), or restore v${production} first?`,
      );
    if (!b.facts.heldOut)
      return clarify(
        `No held-out rows of v${b.version}'s training run are left to compare it with production v${production} on. Which test data should both be evaluated on, or promote without comparing?`,
      );
    steps.push({
      id: 'compare',
      task: 'evaluate.model',
      with: {
        model: candidate,
        baseline: `${b.name}@production`,
        dataset: b.facts.heldOut,
        ...(frame.metric ? { primaryMetric: frame.metric } : {}),
      },
    });
    gate = 'steps.compare.outputs.better == true';
    notes.push(
      `champion/challenger: v${b.version} and production v${production} are evaluated on v${b.version}'s held-out rows in this run; it is deployed only if better`,
    );
  } else if (production === undefined)
    notes.push(`${b.name} has no production version yet: nothing to compare with`);
  steps.push(
    approvalStep(
      frame,
      'approve',
      gate ? ['compare'] : [],
      `Deploy ${b.name} v${b.version} to production${production !== undefined ? ` (replacing v${production})` : ''}?`,
      gate,
    ),
    {
      id: 'deploy',
      task: 'deploy.http',
      dependsOn: ['approve'],
      with: { model: b.name, version: b.version, reason: `promoted: ${frame.goal.slice(0, 120)}` },
      ...(gate ? { when: gate } : {}),
    },
  );
  const guard = guardSteps(frame, b, production, gate);
  if (guard && 'kind' in guard) return guard;
  if (guard) {
    steps.push(...guard.steps);
    notes.push(guard.note);
  }
  const inputs: Record<string, unknown> = {};
  // "… and let #ml know": after the watch when there is one, so the message says how it went.
  const last = guard ? 'watch' : 'deploy';
  const n = notifyStep(frame, inputs, last, {
    title: `pipewright: ${b.name} v${b.version} promotion`,
    text:
      last === 'watch'
        ? `regressed: ${out('watch', 'regressed')}; ${out('watch', 'reasons')}`
        : `${b.name} v${b.version} deployed at ${out('deploy', 'endpoint')}`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-promote-v${b.version}`, 80),
      `Promotion of ${b.name} v${b.version}${gate ? ' if it beats production' : ''}${guard ? ', watched and rolled back on a breach' : ''}`,
      steps,
      inputs,
      notes,
      { model: { name: b.name, version: b.version, ...(production !== undefined ? { production } : {}) } },
    ),
    notes,
  };
}

/** serving.watch after the deploy and model.rollback when it regresses, for a rollback the goal asks on a breach. */
function guardSteps(
  frame: IntentFrame,
  b: BoundModel,
  production: number | undefined,
  gate: string | undefined,
): { steps: StepIn[]; note: string } | DraftOutcome | undefined {
  if (!frame.rollback?.onBreach) return undefined;
  const to = frame.rollback.toVersion ?? production;
  if (to === undefined)
    return clarify(
      `${b.name} has no production version to go back to if v${b.version} breaches its limits. Which version should it go back to?`,
    );
  if (to === b.version || !b.model.versions.some((v) => v.version === to))
    return clarify(
      `${b.name} v${to} cannot be what production goes back to after deploying v${b.version}. Which version should it go back to (${b.model.versions
        .filter((v) => v.version !== b.version)
        .map((v) => `v${v.version}`)
        .reverse()
        .join(', ')})?`,
    );
  const duration = frame.watch?.duration ?? '1h';
  return {
    steps: [
      {
        id: 'watch',
        task: 'serving.watch',
        dependsOn: ['deploy'],
        with: watchInput(frame, b.name, duration),
        ...(gate ? { when: gate } : {}),
      },
      {
        id: 'rollback',
        task: 'model.rollback',
        dependsOn: ['watch'],
        when: 'steps.watch.outputs.regressed == true',
        with: { model: b.name, toVersion: to, reason: `v${b.version} breached its serving limits` },
      },
    ],
    note: `v${b.version} is watched for ${duration} after the deploy; when it regresses production goes back to v${to}`,
  };
}
