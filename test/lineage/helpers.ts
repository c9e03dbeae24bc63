/**
 * Small real tasks for lineage tests: they write real files and return DatasetRef / ModelRef-shaped values
 * (content hashes of what they wrote), so the engine, the store and the recorder all do their real work.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { registerLineageCommands } from '../../src/cli/commands/lineage.ts';
import { registerModelCommands } from '../../src/cli/commands/models.ts';
import { Engine } from '../../src/engine/index.ts';
import { userError } from '../../src/errors.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { defineTask, TaskRegistry } from '../../src/tasks/index.ts';
import { builtinTasks } from '../../tools/index.ts';
import { testConfig, testDatabaseUrl } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const Dataset = z.object({
  path: z.string().describe('file'),
  hash: z.string().describe('sha256'),
  rows: z.number().describe('rows'),
  columns: z.array(z.object({ name: z.string(), type: z.string() })).describe('schema'),
  name: z.string().optional().describe('name'),
  version: z.string().optional().describe('version'),
});
type Dataset = z.infer<typeof Dataset>;

function writeRows(dir: string, rows: Record<string, unknown>[], label?: string): Dataset {
  mkdirSync(dir, { recursive: true });
  const body = rows.map((r) => JSON.stringify(r)).join('\n');
  const hash = createHash('sha256').update(body).digest('hex');
  const file = path.join(dir, `${hash.slice(0, 16)}.jsonl`);
  writeFileSync(file, body);
  const first = rows[0] ?? {};
  return {
    path: file,
    hash,
    rows: rows.length,
    columns: Object.keys(first).map((k) => ({
      name: k,
      type: typeof first[k] === 'number' ? 'DOUBLE' : 'VARCHAR',
    })),
    ...(label ? { name: label, version: `v-${hash.slice(0, 8)}` } : {}),
  };
}

const readRows = (d: Dataset) =>
  readFileSync(d.path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

export const rawData = defineTask({
  id: 'lt.raw',
  description: 'Writes a small raw table',
  input: z.object({ rows: z.number().describe('how many') }),
  output: z.object({ dataset: Dataset }),
  run: async (input, ctx) => ({
    dataset: writeRows(
      path.join(ctx.workspace, 'data'),
      Array.from({ length: input.rows }, (_, i) => ({
        x: i,
        y: i % 3 === 0 ? null : i * 2,
        label: i % 2 ? 'a' : 'b',
      })),
    ),
  }),
});

export const clean = defineTask({
  id: 'lt.clean',
  description: 'Drops rows with missing values',
  input: z.object({ dataset: Dataset, name: z.string().optional().describe('version name') }),
  output: z.object({ dataset: Dataset }),
  run: async (input, ctx) => ({
    dataset: writeRows(
      path.join(ctx.workspace, 'data'),
      readRows(input.dataset).filter((r) => r.y !== null),
      input.name,
    ),
  }),
});

export const split = defineTask({
  id: 'lt.split',
  description: 'Splits rows into train and test',
  input: z.object({ dataset: Dataset }),
  output: z.object({ train: Dataset, test: Dataset }),
  run: async (input, ctx) => {
    const rows = readRows(input.dataset);
    const dir = path.join(ctx.workspace, 'data');
    return {
      train: writeRows(
        dir,
        rows.filter((_, i) => i % 4 !== 0),
      ),
      test: writeRows(
        dir,
        rows.filter((_, i) => i % 4 === 0),
      ),
    };
  },
});

export const train = defineTask({
  id: 'lt.train',
  description: 'Trains a toy model (a threshold) and writes it to a folder',
  input: z.object({ dataset: Dataset, depth: z.number().describe('a hyperparameter') }),
  output: z.object({
    model: z.object({
      dir: z.string(),
      hash: z.string(),
      framework: z.literal('builtin'),
      algorithm: z.string(),
      taskType: z.literal('classification'),
      target: z.string(),
      features: z.array(z.object({ name: z.string(), type: z.string() })),
      classes: z.array(z.string()),
      params: z.record(z.string(), z.unknown()),
      metrics: z.record(z.string(), z.number()),
    }),
  }),
  run: async (input, ctx) => {
    const body = JSON.stringify({ depth: input.depth, data: input.dataset.hash });
    const hash = createHash('sha256').update(body).digest('hex');
    const dir = path.join(ctx.workspace, 'models', hash.slice(0, 12));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.json'), body);
    return {
      model: {
        dir,
        hash,
        framework: 'builtin' as const,
        algorithm: 'threshold',
        taskType: 'classification' as const,
        target: 'label',
        features: [{ name: 'x', type: 'DOUBLE' }],
        classes: ['a', 'b'],
        params: { depth: input.depth },
        metrics: { accuracy: 0.8 + input.depth / 100 },
      },
    };
  },
});

export const evaluate = defineTask({
  id: 'lt.evaluate',
  description: 'Scores a model on test rows',
  input: z.object({
    model: z.object({ hash: z.string(), dir: z.string(), framework: z.string() }).passthrough(),
    dataset: Dataset,
  }),
  output: z.object({ metrics: z.record(z.string(), z.number()) }),
  run: async (input) => ({ metrics: { accuracy: 0.9, rows: input.dataset.rows } }),
});

export const boom = defineTask({
  id: 'lt.boom',
  description: 'Fails like a GPU running out of memory',
  input: z.object({
    message: z.string().default('CUDA out of memory: tried to allocate 2.5 GiB on device 0'),
  }),
  output: z.object({}),
  cacheable: false,
  run: async (input) => {
    throw userError('TRAIN_OOM', input.message, 'the batch does not fit in GPU memory', 'Lower batchSize.');
  },
});

export function lineageRegistry(): TaskRegistry {
  return new TaskRegistry([...builtinTasks, rawData, clean, split, train, evaluate, boom]);
}

export function setup(overrides: { memoryDir?: string } = {}) {
  const workspace = makeWorkspace('pw-lineage-');
  const config = testConfig({ workspace, user: 'ci-bot', ...overrides });
  const store = new RunStore(stateTarget(config));
  const engine = new Engine({ store, registry: lineageRegistry(), config, pollMs: 20 });
  return { workspace, config, store, engine };
}

/** raw → clean → version → split → train → evaluate → approve → register → deploy */
export function trainingPlan(depth: number) {
  return {
    name: 'toy-train',
    goal: 'train the toy model and deploy it when approved',
    steps: [
      { id: 'load', task: 'lt.raw', with: { rows: 40 } },
      {
        id: 'clean',
        task: 'lt.clean',
        dependsOn: ['load'],
        with: { dataset: '${{ steps.load.outputs.dataset }}' },
      },
      {
        id: 'version',
        task: 'lt.clean',
        dependsOn: ['clean'],
        with: { dataset: '${{ steps.clean.outputs.dataset }}', name: 'toy-clean' },
      },
      {
        id: 'split',
        task: 'lt.split',
        dependsOn: ['version'],
        with: { dataset: '${{ steps.version.outputs.dataset }}' },
      },
      {
        id: 'train',
        task: 'lt.train',
        dependsOn: ['split'],
        with: { dataset: '${{ steps.split.outputs.train }}', depth },
      },
      {
        id: 'evaluate',
        task: 'lt.evaluate',
        dependsOn: ['train'],
        with: { model: '${{ steps.train.outputs.model }}', dataset: '${{ steps.split.outputs.test }}' },
      },
      {
        id: 'approve',
        kind: 'approval',
        dependsOn: ['evaluate'],
        message: 'Ship the toy model?',
        timeout: '1h',
      },
      {
        id: 'register',
        task: 'model.register',
        dependsOn: ['approve'],
        with: {
          name: 'toy',
          model: '${{ steps.train.outputs.model }}',
          dataset: '${{ steps.version.outputs.dataset }}',
        },
      },
      {
        id: 'deploy',
        task: 'deploy.http',
        dependsOn: ['register'],
        with: { model: 'toy', version: '${{ steps.register.outputs.version }}' },
      },
    ],
  };
}

export function failingPlan(message?: string) {
  return {
    name: 'nightly-gpu',
    goal: 'retrain the churn model every night on the GPU',
    steps: [
      { id: 'load', task: 'lt.raw', with: { rows: 10 } },
      { id: 'train', task: 'lt.boom', dependsOn: ['load'], with: message ? { message } : {} },
    ],
  };
}

/** Runs `pipewright lineage|ask|models …` in this process and returns what it printed on stdout. */
export async function lineageCli(args: string[]): Promise<string> {
  const program = new Command('pipewright')
    .option('--json')
    .option('-w, --workspace <dir>')
    .option('--state-dir <dir>')
    .option('--as <user>')
    .exitOverride();
  registerLineageCommands(program);
  registerModelCommands(program);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string) => {
    chunks.push(String(c));
    return true;
  }) as typeof process.stdout.write;
  // In the Postgres run, the in-process CLI reads the same schema as the test's store.
  const stateDir = args[args.indexOf('--state-dir') + 1] as string;
  const databaseUrl = testDatabaseUrl(stateDir);
  if (databaseUrl) process.env.PIPEWRIGHT_DATABASE_URL = databaseUrl;
  try {
    await program.parseAsync(['node', 'pipewright', ...args]);
  } finally {
    process.stdout.write = write;
    delete process.env.PIPEWRIGHT_DATABASE_URL;
  }
  return chunks.join('');
}
