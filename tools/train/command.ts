/**
 * train.command: runs the user's own training script under the contract in docs/training-contract.md —
 * data as CSV + Parquet, params as JSON, an output folder, the ::progress/::metric line protocol, metrics.json.
 * One run per search candidate; the best by `scoring` becomes the model. Runs user code: needs approval.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { childEnv } from '../../src/config.ts';
import { userError } from '../../src/errors.ts';
import { defineTask, resolveInWorkspace } from '../../src/tasks/index.ts';
import { isBetter } from '../lib/metrics.ts';
import { commitModelDir, type ModelFile, stagingDir } from '../lib/model.ts';
import { runWithProtocol } from '../lib/python-process.ts';
import { asTrainError, CommonTrainInput, exportRows, prepareTraining } from './data.ts';
import { gpuEnv, TrainOutput, type Trial } from './tabular.ts';

export const TrainCommandInput = z.object({
  ...CommonTrainInput,
  command: z
    .array(z.string())
    .min(1)
    .describe(
      'Program and arguments, e.g. ["python3", "train.py", "--epochs", "3"]; no shell. Placeholders {train}, {validation}, {params}, {output} are replaced',
    ),
  algorithm: z.string().default('custom').describe('Model family name recorded in the ModelRef'),
});

const Metrics = z.record(z.string(), z.number());

export const trainCommand = defineTask({
  id: 'train.command',
  description:
    'Train with your own script (see docs/training-contract.md): pipewright prepares the data split, runs the script once per search candidate and keeps the best output folder as the model.',
  input: TrainCommandInput,
  output: TrainOutput,
  needsApproval: true,
  cacheable: false,
  async run(input, ctx) {
    ctx.progress(0, 'reading data');
    const prep = await prepareTraining(input, ctx, { folds: 0 });
    const work = path.join(ctx.scratchDir, 'command');
    await mkdir(work, { recursive: true });
    const cols = [...prep.features.map((f) => f.name), input.target];
    const train = await exportRows(prep.trainPath, prep.trainRowNumbers, cols, path.join(work, 'train'), [
      'csv',
      'parquet',
    ]);
    const valid = await exportRows(
      prep.holdoutSource.path,
      prep.holdoutSource.rowNumbers,
      cols,
      path.join(work, 'validation'),
      ['csv', 'parquet'],
    );
    const [program = '', ...rest] = input.command;
    // A relative program path names a script in the workspace; absolute paths and bare names (PATH) are used as is.
    const file =
      program.includes('/') && !path.isAbsolute(program)
        ? resolveInWorkspace(ctx.workspace, program, 'training command')
        : program;

    const trials: Trial[] = [];
    const outputs: { dir: string; metrics: Record<string, number> }[] = [];
    try {
      for (const [i, params] of prep.candidates.entries()) {
        const out = await stagingDir(ctx.config.stateDir);
        outputs.push({ dir: out, metrics: {} });
        const paramsFile = path.join(work, `params-${i}.json`);
        await writeFile(paramsFile, JSON.stringify(params));
        const subst = (a: string) =>
          a
            .replaceAll('{train}', train.csv)
            .replaceAll('{validation}', valid.csv)
            .replaceAll('{params}', paramsFile)
            .replaceAll('{output}', out);
        const env = childEnv(ctx.config, {
          PIPEWRIGHT_TRAIN_DATA: train.csv,
          PIPEWRIGHT_TRAIN_PARQUET: train.parquet,
          PIPEWRIGHT_VALIDATION_DATA: valid.csv,
          PIPEWRIGHT_VALIDATION_PARQUET: valid.parquet,
          PIPEWRIGHT_PARAMS: JSON.stringify(params),
          PIPEWRIGHT_PARAMS_FILE: paramsFile,
          PIPEWRIGHT_OUTPUT_DIR: out,
          PIPEWRIGHT_TARGET: input.target,
          PIPEWRIGHT_TASK_TYPE: prep.taskType,
          PIPEWRIGHT_FEATURES: JSON.stringify(prep.features),
          PIPEWRIGHT_CLASSES: JSON.stringify(prep.classes ?? []),
          PIPEWRIGHT_SEED: String(input.seed),
          PIPEWRIGHT_SCORING: prep.scoring,
          PYTHONUNBUFFERED: '1',
          ...gpuEnv(ctx),
        });
        const run = await runWithProtocol({
          file,
          args: rest.map(subst),
          env,
          cwd: ctx.workspace,
          ctx,
          writable: [out],
          what: 'Your training command',
          progressRange: [
            0.05 + (0.9 * i) / prep.candidates.length,
            0.05 + (0.9 * (i + 1)) / prep.candidates.length,
          ],
          ...(input.timeoutSeconds ? { timeoutMs: input.timeoutSeconds * 1000 } : {}),
        });
        const metrics = { ...run.metrics, ...(await readMetrics(out)) };
        (outputs[i] as { metrics: Record<string, number> }).metrics = metrics;
        const score = metrics[prep.scoring];
        if (score === undefined && prep.candidates.length > 1) {
          throw userError(
            'TRAIN_COMMAND_NO_SCORE',
            `Your training command reported no "${prep.scoring}" metric`,
            `a search compares candidates by ${prep.scoring}; reported: ${Object.keys(metrics).join(', ') || 'nothing'}`,
            `Print "::metric ${prep.scoring} <value>" or write it to metrics.json in $PIPEWRIGHT_OUTPUT_DIR.`,
          );
        }
        trials.push({ params, score: score ?? null, foldScores: [] });
      }
      let best = 0;
      trials.forEach((t, i) => {
        const b = trials[best]?.score ?? null;
        if (t.score !== null && (b === null || isBetter(prep.scoring, t.score, b))) best = i;
      });
      const chosen = outputs[best] as { dir: string; metrics: Record<string, number> };
      for (const [i, o] of outputs.entries())
        if (i !== best) await rm(o.dir, { recursive: true, force: true });
      const bestParams = trials[best]?.params ?? {};
      const files = (await readdir(chosen.dir, { recursive: true }))
        .map(String)
        .filter((f) => f !== 'model.json');
      const modelFile: ModelFile = {
        format: 'pipewright-model/1',
        framework: 'command',
        algorithm: input.algorithm,
        taskType: prep.taskType,
        target: input.target,
        features: prep.features,
        ...(prep.classes ? { classes: prep.classes } : {}),
        preprocessing: { kind: 'none', note: 'whatever the training command did; see its files' },
        pythonFeatures: prep.features.map((f) => ({
          name: f.name,
          kind: /CHAR|BOOL|ENUM|UUID/i.test(f.type) ? 'categorical' : 'numeric',
        })),
        labels: 'raw',
        params: bestParams,
        metrics: chosen.metrics,
        files,
        ...(input.transform ? { inputTransform: input.transform.spec } : {}),
      };
      const model = await commitModelDir(chosen.dir, ctx.config.stateDir, modelFile);
      ctx.progress(1, 'model saved');
      return { model, metrics: chosen.metrics, cvMetrics: {}, bestParams, trials, scoring: prep.scoring };
    } catch (e) {
      for (const o of outputs) await rm(o.dir, { recursive: true, force: true });
      throw asTrainError(e, 'Your training command failed');
    }
  },
});

async function readMetrics(dir: string): Promise<Record<string, number>> {
  const file = path.join(dir, 'metrics.json');
  if (!existsSync(file)) return {};
  const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
  const nums =
    typeof raw === 'object' && raw !== null
      ? Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)))
      : {};
  return Metrics.parse(nums);
}
