/**
 * A person's own training script as a plan: approve → train.command (script, args, the artifact it writes,
 * GPUs and memory on the step) → register the artifact → notify. With a data file and a target the script gets the
 * prepared split (the training contract); without, it reads its own data ("script mode").
 */

import type { DatasetDescription } from '../describe-dataset.ts';
import type { IntentFrame } from '../intent.ts';
import { matchColumn } from '../offline/columns.ts';
import { slug } from '../offline/words.ts';
import type { DraftOutcome } from '../types.ts';
import type { OperationContext } from './operations.ts';
import { approvalStep, notifyStep, out, planOf, type StepIn } from './steps.ts';

export async function buildScript(frame: IntentFrame, ctx: OperationContext): Promise<DraftOutcome> {
  const s = frame.script;
  if (!s)
    return {
      kind: 'clarify',
      question: 'Which script should run? Give its path in the workspace, e.g. scripts/train.py.',
    };
  if (!ctx.exists(s.path))
    return {
      kind: 'clarify',
      about: 'script',
      question: `The script "${s.path}" does not exist in the workspace. Which script should run? (Paths are relative to the workspace.)`,
    };
  const notes: string[] = [];
  const steps: StepIn[] = [];
  const src = frame.sources[0];
  let data: DatasetDescription | undefined;
  let target: string | undefined;
  if (src?.kind === 'file') {
    data = await ctx.describe(src.path);
    if (!data)
      return {
        kind: 'clarify',
        question: `${src.path} could not be read. Which data should the script train on?`,
      };
    for (const p of frame.targetPhrases) {
      const m = matchColumn(
        p,
        data.columns.map((c) => c.name),
      );
      if (m) {
        target = m.column;
        break;
      }
    }
    if (!target)
      return {
        kind: 'clarify',
        question: `Which column of ${src.path} should the script learn to predict? Its columns are: ${(data?.columns ?? []).map((c) => c.name).join(', ')}.`,
      };
    steps.push({
      id: 'load',
      task: 'ingest.file',
      with: {
        path: src.path,
        name: `${slug(
          src.path
            .split('/')
            .pop()
            ?.replace(/\.[^.]+$/, '') ?? 'data',
          30,
        )}-raw`,
      },
    });
    notes.push(
      `the script gets ${src.path} split into training and validation rows, target "${target}" (docs/training-contract.md)`,
    );
  } else notes.push('script mode: no data is prepared, the script reads its own');
  const base = slug((s.path.split('/').pop() ?? 'script').replace(/\.[^.]+$/, ''), 40);
  const name = slug(frame.modelName ?? base, 60);
  const gpus = frame.resources.gpu
    ? ` on ${frame.resources.gpu} GPU${frame.resources.gpu > 1 ? 's' : ''}`
    : '';
  steps.push(
    approvalStep(
      frame,
      'approve',
      steps.length ? ['load'] : [],
      `Run ${s.path} ${s.args.join(' ')}${gpus}? (your own code)`,
    ),
  );
  const resources = Object.fromEntries(Object.entries(frame.resources).filter(([, v]) => v !== undefined));
  steps.push({
    id: 'train',
    task: 'train.command',
    dependsOn: ['approve', ...(data ? ['load'] : [])],
    with: {
      script: s.path,
      args: s.args,
      ...(s.artifact ? { artifact: s.artifact } : {}),
      ...(data && target ? { dataset: out('load', 'dataset'), target } : {}),
    },
    ...(Object.keys(resources).length ? { resources } : {}),
  });
  if (s.interpreter && !/^python3?$/.test(s.interpreter) && s.path.endsWith('.py'))
    notes.push(`${s.path} runs with python3 (train.command picks the interpreter from the extension)`);
  const register = s.artifact !== undefined || frame.wants.register || frame.modelName !== undefined;
  if (register) {
    steps.push({
      id: 'register',
      task: 'model.register',
      dependsOn: ['train'],
      with: {
        name,
        model: out('train', 'model'),
        ...(frame.registerAlias ? { alias: frame.registerAlias } : {}),
        description: `${s.path} ${s.args.join(' ')}${s.artifact ? ` → ${s.artifact}` : ''}`.slice(0, 200),
      },
    });
    notes.push(`registers ${s.artifact ?? 'the script output'} as ${name}`);
  }
  // "… and ping slack when it's done": after the last step.
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, register ? 'register' : 'train', {
    title: `pipewright: ${s.path} finished`,
    text: `${s.path} ${s.args.join(' ')}${register ? ` registered as ${name}` : ''}`.slice(0, 200),
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${base}-${name === base ? 'train' : name}`, 80),
      `Own script ${s.path}${gpus}`,
      steps,
      inputs,
      notes,
      {
        script: s.path,
        ...(target ? { target } : {}),
      },
    ),
    notes,
  };
}
