/**
 * train.command: runs the user's own training script under the contract in docs/training-contract.md.
 *
 * With a dataset and target: data as CSV + Parquet, params as JSON, an output folder, the ::progress/::metric
 * line protocol, metrics.json; one run per search candidate, the best by `scoring` becomes a servable model.
 * Without them ("script mode", e.g. a fine-tuning script that reads its own data): one run with the params,
 * and the `artifact` it writes (or its output folder) becomes a registrable model folder. GPUs and memory
 * come from the step's `resources`; the granted GPUs arrive as CUDA_VISIBLE_DEVICES. Runs user code: needs
 * approval.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { childEnv } from '../../src/config.ts';
import { userError } from '../../src/errors.ts';
import { defineTask, resolveInWorkspace, type TaskContext } from '../../src/tasks/index.ts';
import { isBetter } from '../lib/metrics.ts';
import { commitModelDir, hashDir, type ModelFile, stagingDir } from '../lib/model.ts';
import { runWithProtocol } from '../lib/python-process.ts';
import { ArtifactModelRef, ModelRef } from '../lib/refs.ts';
import { asTrainError, CommonTrainInput, exportRows, prepareTraining } from './data.ts';
import { gpuEnv, TrainOutput, type Trial } from './tabular.ts';

export const TrainCommandInput = z
  .object({
    ...CommonTrainInput,
    dataset: CommonTrainInput.dataset
      .optional()
      .describe('Training rows (Parquet); leave out, with target, when the script reads its own data'),
    target: CommonTrainInput.target.optional().describe('Column to predict (with dataset)'),
    command: z
      .array(z.string())
      .min(1)
      .optional()
      .describe(
        'Program and arguments, e.g. ["python3", "train.py", "--epochs", "3"]; no shell. Placeholders {train}, {validation}, {params}, {output} are replaced',
      ),
    script: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Instead of command: a workspace script, run with python3 (.py), bash (.sh) or directly, e.g. "scripts/finetune.py"',
      ),
    args: z
      .array(z.string())
      .default([])
      .describe('Arguments after script, e.g. ["--lr", "3e-4"]; placeholders as in command'),
    artifact: z
      .string()
      .min(1)
      .optional()
      .describe(
        'File or folder the script writes that is the model, e.g. "out/ckpt.pt" (workspace path) or "{output}/ckpt.pt"; copied into the model folder',
      ),
    algorithm: z.string().default('custom').describe('Model family name recorded in the ModelRef'),
  })
  .superRefine((v, issues) => {
    if ((v.command === undefined) === (v.script === undefined)) {
      issues.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'give either command or script (one of them)',
      });
    }
    if ((v.dataset === undefined) !== (v.target === undefined)) {
      issues.addIssue({
        code: 'custom',
        path: [v.dataset === undefined ? 'dataset' : 'target'],
        message:
          'dataset and target go together: both (pipewright prepares the data) or neither (script mode)',
      });
    }
    if (v.dataset === undefined && v.search !== undefined) {
      issues.addIssue({
        code: 'custom',
        path: ['search'],
        message: 'a search compares candidates on prepared data: give dataset and target',
      });
    }
  });
export type TrainCommandInput = z.output<typeof TrainCommandInput>;

export const TrainCommandOutput = TrainOutput.extend({
  model: z
    .union([ModelRef, ArtifactModelRef])
    .describe(
      'The model folder: a servable ModelRef (with dataset and target) or the artifact model (script mode)',
    ),
  artifact: z
    .object({
      path: z.string().describe('Absolute path of the artifact inside the model folder'),
      size: z.number().int().describe('Bytes (summed over a folder)'),
    })
    .optional()
    .describe('The artifact copied into the model folder, when one was named'),
});
export type TrainCommandOutput = z.infer<typeof TrainCommandOutput>;

const Metrics = z.record(z.string(), z.number());

export const trainCommand = defineTask({
  id: 'train.command',
  description:
    'Train with your own script or command, with its arguments and the GPUs of the step resources: with a dataset and target pipewright prepares the data and keeps the best output as a servable model; without them the artifact the script writes (such as out/ckpt.pt) becomes a registrable model. See docs/training-contract.md.',
  input: TrainCommandInput,
  output: TrainCommandOutput,
  needsApproval: true,
  cacheable: false,
  version: 2,
  async run(input, ctx) {
    // A bad artifact path fails before the script runs, not after an hour of training.
    if (input.artifact && !input.artifact.startsWith('{output}'))
      resolveInWorkspace(ctx.workspace, input.artifact, 'artifact');
    if (!input.dataset || !input.target) return runScript(input, ctx);
    const data = { ...input, dataset: input.dataset, target: input.target };
    ctx.progress(0, 'reading data');
    const prep = await prepareTraining(data, ctx, { folds: 0 });
    const work = path.join(ctx.scratchDir, 'command');
    await mkdir(work, { recursive: true });
    const cols = [...prep.features.map((f) => f.name), data.target];
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
    const { file, rest } = program(input, ctx);

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
          PIPEWRIGHT_TARGET: data.target,
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
        target: data.target,
        features: prep.features,
        ...(prep.classes ? { classes: prep.classes } : {}),
        preprocessing: { kind: 'none', note: 'whatever the training command did; see its files' },
        pythonFeatures: prep.features.map((f) => ({
          name: f.name,
          kind:
            prep.kinds[f.name] === 'date'
              ? 'date'
              : /CHAR|BOOL|ENUM|UUID/i.test(f.type)
                ? 'categorical'
                : 'numeric',
        })),
        labels: 'raw',
        params: bestParams,
        metrics: chosen.metrics,
        files,
        ...(input.transform ? { inputTransform: input.transform.spec } : {}),
      };
      const copied = input.artifact
        ? await keepArtifact(input.artifact.replaceAll('{output}', chosen.dir), chosen.dir, ctx)
        : undefined;
      if (copied) modelFile.files = [...new Set([...modelFile.files, copied.rel])];
      const model = await commitModelDir(chosen.dir, ctx.config.stateDir, modelFile);
      ctx.progress(1, 'model saved');
      return {
        model,
        metrics: chosen.metrics,
        cvMetrics: {},
        bestParams,
        trials,
        scoring: prep.scoring,
        ...(copied ? { artifact: { path: path.join(model.dir, copied.rel), size: copied.size } } : {}),
      };
    } catch (e) {
      for (const o of outputs) await rm(o.dir, { recursive: true, force: true });
      throw asTrainError(e, 'Your training command failed');
    }
  },
});

/** The program to start and its arguments (before placeholders): `command` as given, or `script` + `args`. */
function program(input: TrainCommandInput, ctx: TaskContext): { file: string; rest: string[] } {
  if (input.script !== undefined) {
    const script = resolveInWorkspace(ctx.workspace, input.script, 'training script');
    if (!existsSync(script)) {
      throw userError(
        'TRAIN_COMMAND_NO_SCRIPT',
        `The training script "${input.script}" does not exist`,
        `looked for ${script}`,
        'Check the path (relative to the workspace).',
      );
    }
    const ext = path.extname(script).toLowerCase();
    if (ext === '.py') return { file: ctx.config.python, rest: [script, ...input.args] };
    if (ext === '.sh') return { file: 'bash', rest: [script, ...input.args] };
    return { file: script, rest: input.args };
  }
  const [first = '', ...rest] = input.command ?? [];
  // A relative program path names a script in the workspace; absolute paths and bare names (PATH) are used as is.
  const file =
    first.includes('/') && !path.isAbsolute(first)
      ? resolveInWorkspace(ctx.workspace, first, 'training command')
      : first;
  return { file, rest: [...rest, ...input.args] };
}

/** Script mode: one run with the params, no data prepared; the artifact (or the output folder) is the model. */
async function runScript(input: TrainCommandInput, ctx: TaskContext): Promise<TrainCommandOutput> {
  const { file, rest } = program(input, ctx);
  const out = await stagingDir(ctx.config.stateDir);
  try {
    const paramsFile = path.join(ctx.scratchDir, 'params.json');
    await mkdir(ctx.scratchDir, { recursive: true });
    await writeFile(paramsFile, JSON.stringify(input.params));
    const subst = (a: string) => a.replaceAll('{params}', paramsFile).replaceAll('{output}', out);
    const env = childEnv(ctx.config, {
      PIPEWRIGHT_PARAMS: JSON.stringify(input.params),
      PIPEWRIGHT_PARAMS_FILE: paramsFile,
      PIPEWRIGHT_OUTPUT_DIR: out,
      PIPEWRIGHT_SEED: String(input.seed),
      PYTHONUNBUFFERED: '1',
      ...gpuEnv(ctx),
    });
    if (ctx.devices?.gpus.length) ctx.log.info(`running on GPUs ${ctx.devices.gpus.join(', ')}`);
    const run = await runWithProtocol({
      file,
      args: rest.map(subst),
      env,
      cwd: ctx.workspace,
      ctx,
      what: 'Your training script',
      progressRange: [0.02, 0.95],
      // The sealed step may write its own model folder (and the workspace), nothing else of the state folder.
      writable: [out],
      ...(input.timeoutSeconds ? { timeoutMs: input.timeoutSeconds * 1000 } : {}),
    });
    const metrics = { ...run.metrics, ...(await readMetrics(out)) };
    const copied = input.artifact
      ? await keepArtifact(input.artifact.replaceAll('{output}', out), out, ctx)
      : undefined;
    const files = (await readdir(out, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => path.relative(out, path.join(d.parentPath, d.name)))
      .sort();
    if (files.length === 0) {
      throw userError(
        'TRAIN_COMMAND_NO_ARTIFACT',
        'Your training script left no model behind',
        'no artifact was named and nothing was written to $PIPEWRIGHT_OUTPUT_DIR',
        'Name the file it writes as `artifact` (e.g. "out/ckpt.pt"), or write into $PIPEWRIGHT_OUTPUT_DIR.',
      );
    }
    const descriptor = {
      format: 'pipewright-artifact/1',
      framework: 'command' as const,
      kind: 'artifact' as const,
      algorithm: input.algorithm,
      artifact: copied?.rel ?? '.',
      files,
      params: input.params,
      metrics,
    };
    await writeFile(path.join(out, 'artifact.json'), `${JSON.stringify(descriptor, null, 2)}\n`);
    const hash = await hashDir(out);
    const dir = path.join(ctx.config.stateDir, 'models', hash);
    if (existsSync(dir)) await rm(out, { recursive: true, force: true });
    else await rename(out, dir);
    const { format: _format, ...ref } = descriptor;
    ctx.progress(1, 'artifact saved');
    return {
      model: ArtifactModelRef.parse({ ...ref, dir, hash }),
      metrics,
      cvMetrics: {},
      bestParams: input.params,
      trials: [{ params: input.params, score: null, foldScores: [] }],
      scoring: 'none',
      ...(copied ? { artifact: { path: path.join(dir, copied.rel), size: copied.size } } : {}),
    };
  } catch (e) {
    await rm(out, { recursive: true, force: true });
    throw asTrainError(e, 'Your training script failed');
  }
}

/** Copies the artifact the script wrote (a workspace path, or a path in its output folder) into `into`. */
async function keepArtifact(
  artifact: string,
  into: string,
  ctx: TaskContext,
): Promise<{ rel: string; size: number }> {
  const inOutput = path.isAbsolute(artifact) && !path.relative(into, artifact).startsWith('..');
  const source = inOutput ? artifact : resolveInWorkspace(ctx.workspace, artifact, 'artifact');
  if (!existsSync(source)) {
    throw userError(
      'TRAIN_COMMAND_NO_ARTIFACT',
      `Your training script did not write the artifact "${artifact}"`,
      `nothing at ${source} after it finished`,
      'Check the path the script saves to, or name it relative to the workspace (e.g. "out/ckpt.pt").',
    );
  }
  const rel = inOutput ? path.relative(into, source) : path.join('artifact', path.basename(source));
  if (!inOutput) await cp(source, path.join(into, rel), { recursive: true });
  return { rel, size: await sizeOf(path.join(into, rel)) };
}

async function sizeOf(p: string): Promise<number> {
  const s = await stat(p);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const d of await readdir(p, { recursive: true, withFileTypes: true }))
    if (d.isFile()) total += (await stat(path.join(d.parentPath, d.name))).size;
  return total;
}

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
