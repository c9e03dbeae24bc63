/**
 * What a plan does with the model it trained: gate → register → approve → deploy, batch predictions, and an
 * approval before training when one was asked for and nothing is registered or deployed.
 */
import { type PlanDraft, ref, type StepIn, type TaskType } from './build-draft.ts';
import { ingestStep, sourceName } from './build-ingest.ts';
import { defaultMetric } from './build-train.ts';
import { LOWER_IS_BETTER } from './parse.ts';
import { slug } from './words.ts';

/** A tie with the champion passes: its metric did not get worse on the same rows (no baseline: better is true). */
function notWorseWhen(evaluate: string, metric: string): string {
  const out = `steps.${evaluate}.outputs`;
  return `(${out}.better == true || ${out}.delta.${metric} ${LOWER_IS_BETTER.has(metric) ? '<=' : '>='} 0)`;
}

/** Adds the gate, register, approval, deploy and predict steps; sets the model name and last model step. */
export function addReleaseSteps(d: PlanDraft): void {
  const { spec, trained, metric, champion, taskType, notes, registeredAs, primary, target, steps } = d;
  const { trainRef, testRef, current, second, inputs } = d;
  const best = trained[0];
  let gateWhen: string | undefined;
  if (best && spec.gate) {
    if (spec.gate.kind === 'threshold') {
      const m = metric ?? spec.gate.metric;
      gateWhen = `steps.${best.evaluate}.outputs.metrics.${m} ${spec.gate.op} ${spec.gate.value}`;
    } else if (spec.gate.noWorse && champion && (metric ?? taskType))
      gateWhen = notWorseWhen(best.evaluate, metric ?? defaultMetric(taskType as TaskType));
    else gateWhen = `steps.${best.evaluate}.outputs.${champion ? 'better == true' : 'improved'}`;
  }
  // Champion/challenger: deploying over a production model gates on beating it on the same held-out rows.
  if (best && champion && spec.wants.deploy) {
    const better = `steps.${best.evaluate}.outputs.better == true`;
    if (!gateWhen?.includes(better)) gateWhen = gateWhen ? `${gateWhen} && ${better}` : better;
    notes.push(
      `champion/challenger: ${champion.name} production (v${champion.production}) is evaluated on the same held-out rows in ${best.evaluate}; the new version is deployed only if it is ${spec.gate?.kind === 'improve' && spec.gate.noWorse ? 'no worse' : 'better'}`,
    );
  } else if (best && champion)
    notes.push(
      `${best.evaluate} also evaluates ${champion.name} production (v${champion.production}) on the same held-out rows`,
    );
  const modelName = slug(spec.modelName ?? registeredAs ?? `${sourceName(primary)}-${target ?? 'model'}`, 60);
  const wantsRegister = spec.wants.register || (gateWhen !== undefined && !spec.wants.predict);
  let lastModelStep = best?.evaluate;
  let approvalPlaced = false;
  const approval = (dependsOn: string[], message: string): StepIn => {
    approvalPlaced = true;
    return {
      id: 'approve',
      kind: 'approval',
      dependsOn,
      message,
      ...(spec.approvers.length ? { approvers: spec.approvers } : {}),
      timeout: spec.approvalTimeout ?? '24h',
      onTimeout: 'reject',
      ...(gateWhen ? { when: gateWhen } : {}),
    };
  };
  if (best && wantsRegister) {
    if (spec.approval && !spec.wants.deploy)
      steps.push(approval([best.evaluate], `Register the new "${modelName}" model?`));
    steps.push({
      id: 'register',
      task: 'model.register',
      dependsOn: approvalPlaced ? ['approve', best.evaluate] : [best.evaluate],
      with: {
        name: modelName,
        model: ref(best.train, 'model'),
        dataset: trainRef,
        ...(spec.registerAlias ? { alias: spec.registerAlias } : {}),
        description: `trained by the plan for: ${spec.goal.slice(0, 200)}`,
      },
      ...(gateWhen ? { when: gateWhen } : {}),
    });
    lastModelStep = 'register';
  }
  if (best && spec.wants.deploy) {
    const gateText = spec.gate
      ? spec.gate.kind === 'threshold'
        ? ` (${spec.gate.metric} ${spec.gate.op} ${spec.gate.value})`
        : spec.gate.noWorse
          ? ' (it is no worse than the current model)'
          : ' (it improved on the current model)'
      : champion
        ? ` (only if it beats production v${champion.production})`
        : '';
    steps.push(approval(['register'], `Deploy the new "${modelName}" model to production${gateText}?`));
    steps.push({
      id: 'deploy',
      task: 'deploy.http',
      dependsOn: ['approve'],
      with: spec.canary?.share
        ? {
            model: modelName,
            version: 'production',
            canary: { version: ref('register', 'version'), share: spec.canary.share },
            reason: 'canary of a newly trained model',
          }
        : {
            model: modelName,
            version: ref('register', 'version'),
            reason: 'newly trained model passed evaluation',
          },
      ...(gateWhen ? { when: gateWhen } : {}),
    });
    lastModelStep = 'deploy';
    // A canary given a period is watched for it.
    const { duration: _period, ...limits } = spec.watch ?? {};
    if (spec.canary?.share && spec.canary.duration)
      steps.push({
        id: 'watch',
        task: 'serving.watch',
        dependsOn: ['deploy'],
        with: { model: modelName, duration: spec.canary.duration, ...limits },
        ...(gateWhen ? { when: gateWhen } : {}),
      });
  }

  // ---- batch predictions
  let scoreStep: string | undefined;
  if (best && spec.wants.predict) {
    let scoreRef = testRef;
    const deps = [best.train];
    const src = spec.sources[1];
    if (src && src.kind !== 'unsupported') {
      steps.push(ingestStep('load_score', src, inputs));
      scoreRef = ref('load_score', 'dataset');
      deps.push('load_score');
      if (second && target && !second.columns.some((c) => c.name === target))
        notes.push(`rows to score have no "${target}" column (fine for scoring)`);
    } else deps.push(current);
    if (spec.approval && !approvalPlaced)
      steps.push(approval([best.evaluate], 'Score the rows with the new model?'));
    if (approvalPlaced && !deps.includes('approve') && !spec.wants.deploy && !wantsRegister)
      deps.push('approve');
    steps.push({
      id: 'predict',
      task: 'predict.batch',
      dependsOn: deps,
      with: { model: ref(best.train, 'model'), dataset: scoreRef, csv: /\bcsv\b/i.test(spec.goal) },
      ...(gateWhen && !wantsRegister ? { when: gateWhen } : {}),
    });
    scoreStep = 'predict';
  }

  // ---- approval asked for, nothing deployed or registered: guard the training itself
  if (spec.approval && !approvalPlaced && best) {
    const trainIdx = steps.findIndex((s) => s.id === best.train);
    const gpus = spec.resources.gpu ? ` on ${spec.resources.gpu} GPU(s)` : '';
    const { when: _unused, ...ask } = approval([current], `Start training "${modelName}"${gpus}?`);
    steps.splice(trainIdx, 0, ask);
    for (const t of trained) {
      const s = steps.find((x) => x.id === t.train);
      if (s) s.dependsOn = [...(s.dependsOn ?? []), 'approve'];
    }
  }
  Object.assign(d, { modelName, lastModelStep, scoreStep });
}
