/** rollback: [serving.watch | serving.metrics] → approve → model.rollback (→ notify). */
import type { IntentFrame } from '../intent.ts';
import { slug } from '../offline/words.ts';
import { bindModel } from '../resolve.ts';
import type { DraftOutcome } from '../types.ts';
import { bound, clarify, type OperationContext, scheduleWindow } from './operation-context.ts';
import { metricConditions, watchInput } from './serving-limits.ts';
import { approvalStep, notifyStep, out, planOf, type StepIn } from './steps.ts';

export function buildRollback(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const got = bound(frame, ctx, 'production');
  if (!got.ok) return got.outcome;
  const b = got.b;
  const m = b.model;
  const production = m.aliases.production;
  if (production === undefined)
    return clarify(
      `${m.name} is not in production, so there is nothing to roll back. Did you mean another model? (${ctx.look
        .models()
        .map((x) => x.name)
        .join(', ')})`,
    );
  // "go back to the penguins model that run-… trained", "back to penguins-species v1": the version the phrase names.
  const pinned = frame.refs.models.find((r) => r.run || r.version !== undefined);
  const pb = pinned ? bindModel(pinned, ctx.look, 'production') : undefined;
  const named =
    pb?.ok && pb.value.name === m.name && pb.value.version !== production ? pb.value.version : undefined;
  // "back to whatever the blue-green alias points at": the version that alias names, asked about when none.
  const toAlias = frame.rollback?.toAlias;
  const aliased = toAlias === undefined ? undefined : m.aliases[toAlias];
  if (toAlias !== undefined && aliased === undefined)
    return clarify(
      `${m.name} has no alias "${toAlias}" (its aliases: ${
        Object.entries(m.aliases)
          .map(([a, v]) => `${a} v${v}`)
          .join(', ') || 'none'
      }). Which version should production go back to?`,
    );
  const to = frame.rollback?.toVersion ?? aliased ?? named;
  if (to !== undefined && !m.versions.some((v) => v.version === to))
    return clarify(
      `${m.name} has no version ${to}; its versions are ${m.versions
        .map((v) => `v${v.version}`)
        .reverse()
        .join(', ')}. Which version should production go back to?`,
    );
  if (to !== undefined && to === production)
    return clarify(`${m.name} production already is v${to}. Which version should it go back to?`);
  const target = to ?? m.rollbackTarget;
  const canary = m.activeDeployment?.canary;
  if (target === undefined && !canary)
    return clarify(
      `${m.name}'s production alias has no earlier version to go back to: it has only ever pointed at ${m.productionHistory.map((v) => `v${v}`).join(', ')}. Name a version to move it to (${
        m.versions
          .filter((v) => v.version !== production)
          .map((v) => `v${v.version}`)
          .reverse()
          .join(', ') || 'it has no other version'
      }), or deploy another version first.`,
    );
  if (to === undefined && target !== undefined && !m.versions.find((v) => v.version === target)?.filesExist)
    return clarify(
      `The files of ${m.name} v${target}, the version production would go back to, are gone. Which version should production go back to?`,
    );
  const notes: string[] = [
    canary && to === undefined
      ? `drops the active canary (v${canary.version}); stable v${production} keeps serving`
      : `moves ${m.name} production from v${production} back to v${target}`,
  ];
  const steps: StepIn[] = [];
  let when: string | undefined;
  let after: string[] = [];
  if (frame.rollback?.onBreach || frame.watch) {
    // "if its p95 over the last 30 min is above 500 ms": a window behind us is read now, not watched.
    const window = frame.trafficSince ?? scheduleWindow(frame.schedule?.cron);
    const cond = metricConditions(frame, 'metrics');
    if (cond && (window || frame.schedule)) {
      steps.push({ id: 'metrics', task: 'serving.metrics', with: { model: m.name, window: window ?? '1h' } });
      when = cond;
      after = ['metrics'];
      notes.push(
        `checks the last ${window ?? '1h'} of requests each run and rolls back when ${cond.replaceAll('steps.metrics.outputs.', '')}`,
      );
    } else {
      const duration = frame.watch?.duration ?? window ?? '1h';
      steps.push({ id: 'watch', task: 'serving.watch', with: watchInput(frame, m.name, duration) });
      when = 'steps.watch.outputs.regressed == true';
      after = ['watch'];
      if (!frame.watch?.duration) notes.push(`watches ${m.name} for ${duration} (no duration was given)`);
    }
  }
  const reason = `planned: ${frame.goal.slice(0, 160)}`;
  // "the previous version", "whatever was live before": the version it goes back to is written in the plan; a
  // scheduled check keeps the run-time default, since production may move between runs.
  const toVersion = to ?? (canary || frame.schedule ? undefined : target);
  steps.push(
    approvalStep(
      frame,
      'approve',
      after,
      `Roll ${m.name} back${target !== undefined ? ` from v${production} to v${target}` : ' (drop the canary)'}${when ? ' now that its serving limits were breached' : ''}?`,
      when,
    ),
    {
      id: 'rollback',
      task: 'model.rollback',
      dependsOn: ['approve'],
      with: { model: m.name, ...(toVersion !== undefined ? { toVersion } : {}), reason },
      ...(when ? { when } : {}),
    },
  );
  const inputs: Record<string, unknown> = {};
  // After the check when there is one, so the message goes out whether or not the rollback ran.
  const n = notifyStep(frame, inputs, after[0] ?? 'rollback', {
    title: `pipewright: ${m.name} rollback check`,
    text:
      after[0] === 'watch'
        ? `regressed: ${out('watch', 'regressed')}; ${out('watch', 'reasons')}`
        : `rollback of ${m.name} planned`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${m.name}-rollback${when ? '-on-breach' : ''}`, 80),
      `Rollback of ${m.name} production${target !== undefined ? ` to v${target}` : ''}`,
      steps,
      inputs,
      notes,
      { model: { name: m.name, from: production, ...(target !== undefined ? { to: target } : {}) } },
    ),
    notes,
  };
}
