/**
 * score: load → predict.batch with "name@alias" / "name:3" (resolved again at run time), after checking the
 * model's files exist and the data to score has the model's features.
 */
import type { IntentFrame } from '../intent.ts';
import { slug } from '../offline/words.ts';
import type { DraftOutcome } from '../types.ts';
import { bound, clarify, filesGone, type OperationContext, versionText } from './operation-context.ts';
import { notifyStep, out, planOf, type StepIn } from './steps.ts';

export async function buildScore(frame: IntentFrame, ctx: OperationContext): Promise<DraftOutcome> {
  const got = bound(frame, ctx, 'production', 'scorer');
  if (!got.ok) return got.outcome;
  const b = got.b;
  if (!b.facts.filesExist) return filesGone(b);
  const src = frame.sources[0];
  if (src?.kind !== 'file')
    return clarify(
      `Which file should ${versionText(b)} score? Name a data file in the workspace, e.g. data/new.csv.`,
    );
  const notes: string[] = [`scores with ${versionText(b)}, resolved again as "${b.ref}" when the run starts`];
  const data = await ctx.describe(src.path);
  if (!data) return clarify(`${src.path} could not be read. Which file should ${versionText(b)} score?`);
  const have = new Set(data.columns.map((c) => c.name));
  const missing = b.facts.features.filter((f) => !have.has(f));
  if (missing.length)
    return clarify(
      `${src.path} lacks ${missing.length === 1 ? 'the column' : 'columns'} ${missing.join(', ')} that ${versionText(b)} needs (its features: ${b.facts.features.join(', ')}). Which file should it score?`,
    );
  const base = slug((src.path.split('/').pop() ?? 'data').replace(/\.[^.]+$/, ''), 30);
  const steps: StepIn[] = [
    { id: 'load', task: 'ingest.file', with: { path: src.path, name: `${base}-to-score` } },
    {
      id: 'score',
      task: 'predict.batch',
      dependsOn: ['load'],
      with: {
        model: b.ref,
        dataset: out('load', 'dataset'),
        ...(/\bcsv\b/i.test(frame.goal) ? { csv: true } : {}),
        ...(frame.output ? { output: frame.output } : {}),
      },
    },
  ];
  if (frame.output) notes.push(`scored rows are written to ${frame.output}`);
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'score', {
    title: `pipewright: ${base} scored with ${b.name}`,
    text: `${out('score', 'dataset.rows')} rows scored with ${b.ref}`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`score-${base}-with-${b.name}`, 80),
      `Batch scoring of ${src.path} with ${versionText(b)}`,
      steps,
      inputs,
      notes,
      { model: { name: b.name, version: b.version, ref: b.ref } },
    ),
    notes,
  };
}
