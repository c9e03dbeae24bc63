/**
 * The model folder: model.json (what the model is and how its inputs are prepared) plus framework files,
 * written into a staging folder and renamed into place under its content hash, so nothing is half-written.
 * loadModel() turns a folder back into a predictor; Python models answer from one warm process.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { z } from 'zod';
import { type Config, childEnv, loadConfig } from '../../src/config.ts';
import { PipewrightError, userError } from '../../src/errors.ts';
import { hashFile } from '../../src/store/artifacts.ts';
import { BUILTIN_ALGORITHMS, type FittedBuiltin } from './builtin-models.ts';
import { assertRows, encodeRows, normaliseRow, Preprocessing } from './features.ts';
import { missingModuleError, PYTHON_DIR, pythonMissingError } from './python-process.ts';
import { Column, ModelRef } from './refs.ts';
import { sealHelper } from './sandbox.ts';
import { applyTransform, TransformSpec } from './transforms.ts';

export const MODEL_FORMAT = 'pipewright-model/1';

const PythonFeature = z.object({
  name: z.string(),
  kind: z.enum(['numeric', 'categorical', 'date', 'text']),
  hour: z.boolean().optional().describe('Date features: whether the hour is one of the parts (timestamps)'),
});

export const ModelFile = z.object({
  format: z.literal(MODEL_FORMAT).describe('Model folder format version'),
  framework: ModelRef.shape.framework,
  algorithm: z.string().describe('Model family'),
  taskType: ModelRef.shape.taskType,
  target: z.string().describe('Predicted column'),
  features: z.array(Column).describe('Input columns, before preprocessing'),
  featureKinds: z
    .array(z.object({ name: z.string(), kind: z.enum(['numeric', 'categorical', 'date', 'text']) }))
    .optional()
    .describe('How each input column is used: standardised, one-hot, calendar parts, TF-IDF'),
  featureNotes: z.array(z.string()).optional().describe('Columns left out or read a particular way, and why'),
  warnings: z.array(z.string()).optional().describe('Signs of a degenerate fit found at training time'),
  classes: z.array(z.string()).optional().describe('Class labels; builtin/Python models predict their index'),
  preprocessing: z
    .union([
      Preprocessing,
      z.object({
        kind: z.literal('sklearn-pipeline'),
        numeric: z.array(z.string()),
        categorical: z.array(z.string()),
        date: z.array(z.string()).optional(),
        text: z.array(z.string()).optional(),
        note: z.string(),
      }),
      z.object({ kind: z.literal('none'), note: z.string() }),
    ])
    .describe('Fitted preprocessing (builtin), or where it lives (inside the Python pipeline)'),
  inputTransform: TransformSpec.optional().describe(
    'Fitted prep transform replayed on raw rows before the model sees them (from prep.transform)',
  ),
  pythonFeatures: z.array(PythonFeature).optional().describe('Feature kinds for the Python serving process'),
  labels: z.enum(['index', 'raw']).default('index').describe('How a Python model encodes predicted classes'),
  params: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number()),
  files: z.array(z.string()).describe('Framework files in the folder'),
  sample: z
    .object({ rows: z.array(z.record(z.string(), z.unknown())), predictions: z.array(z.unknown()) })
    .optional()
    .describe('A few holdout rows with the predictions made at training time, for reproducibility checks'),
});
export type ModelFile = z.infer<typeof ModelFile>;

export const BUILTIN_FILE = 'model.builtin.json';
export const PYTHON_FILE = 'model.joblib';

/** sha256 over the folder: every file's relative path and content hash, in sorted order. */
export async function hashDir(dir: string): Promise<string> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\0${await hashFile(path.join(dir, f))}\n`);
  return h.digest('hex');
}

/** A fresh staging folder under <stateDir>/models/.staging; commitModelDir moves it into place. */
export async function stagingDir(stateDir: string): Promise<string> {
  const dir = path.join(stateDir, 'models', '.staging', randomUUID());
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Writes model.json, hashes the folder and renames it to <stateDir>/models/<hash>. Returns the ModelRef. */
export async function commitModelDir(staging: string, stateDir: string, file: ModelFile): Promise<ModelRef> {
  await writeFile(path.join(staging, 'model.json'), `${JSON.stringify(ModelFile.parse(file), null, 2)}\n`);
  const hash = await hashDir(staging);
  const dir = path.join(stateDir, 'models', hash);
  if (existsSync(dir)) await rm(staging, { recursive: true, force: true });
  else await rename(staging, dir);
  return toRef(dir, hash, file);
}

function toRef(dir: string, hash: string, file: ModelFile): ModelRef {
  return ModelRef.parse({
    dir,
    hash,
    framework: file.framework,
    algorithm: file.algorithm,
    taskType: file.taskType,
    target: file.target,
    features: file.features,
    ...(file.classes ? { classes: file.classes } : {}),
    params: file.params,
    metrics: file.metrics,
  });
}

export async function readModelFile(dir: string): Promise<ModelFile> {
  const file = path.join(dir, 'model.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw userError(
      'MODEL_NOT_FOUND',
      `No readable model.json in ${dir}`,
      e instanceof Error ? e.message : String(e),
      'Pass the dir of a ModelRef produced by train.tabular or train.command.',
    );
  }
  const parsed = ModelFile.safeParse(raw);
  if (!parsed.success) {
    throw userError(
      'MODEL_INVALID',
      `${file} is not a pipewright model description`,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      'Retrain the model with this version of pipewright.',
    );
  }
  return parsed.data;
}

export interface LoadedModel {
  ref: ModelRef;
  file: ModelFile;
  /** Class labels (classification) or numbers (regression), one per row. Validates rows first. */
  predict(rows: Record<string, unknown>[]): Promise<unknown[]>;
  /** Class probabilities keyed by label, when the model gives them. */
  predictProba?(rows: Record<string, unknown>[]): Promise<Record<string, number>[]>;
  /** Stops the warm Python process, if any. */
  close(): Promise<void>;
  /** Process id of the warm Python predictor (Python frameworks only). */
  processId?: number | undefined;
}

export interface LoadOptions {
  /** Supplies the Python interpreter and the child environment (default: loadConfig()). */
  config?: Config;
}

/** Opens a model folder for prediction. Python models start one warm process, reused until close(). */
export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const file = await readModelFile(dir);
  const ref = toRef(dir, await hashDir(dir), file);
  const inner =
    file.framework === 'builtin' ? await loadBuiltin(ref, file, dir) : await loadPython(ref, file, dir, opts);
  return file.inputTransform ? withInputTransform(inner, file.inputTransform) : inner;
}

/** Replays the prep transform the model was trained after, so callers send raw rows. */
function withInputTransform(model: LoadedModel, spec: TransformSpec): LoadedModel {
  const proba = model.predictProba;
  return {
    ...model,
    predict: (rows) => model.predict(applyTransform(spec, rows)),
    ...(proba
      ? { predictProba: (rows: Record<string, unknown>[]) => proba(applyTransform(spec, rows)) }
      : {}),
  };
}

async function loadPython(
  ref: ModelRef,
  file: ModelFile,
  dir: string,
  opts: LoadOptions,
): Promise<LoadedModel> {
  if (!existsSync(path.join(dir, PYTHON_FILE))) {
    throw userError(
      'MODEL_NOT_SERVABLE',
      `The ${file.framework} model in ${dir} has no ${PYTHON_FILE}`,
      'pipewright serves Python models by loading model.joblib (an object with predict(DataFrame))',
      'Have the training command save its fitted model with joblib.dump(model, "$PIPEWRIGHT_OUTPUT_DIR/model.joblib").',
    );
  }
  const config = opts.config ?? loadConfig();
  // Loading a joblib file runs code from whoever trained it: the server is sealed like a step, reading
  // only its model folder, with no network and no view of this process.
  const server = await PythonServer.start(
    config.python,
    sealHelper(config, config.python, [path.join(PYTHON_DIR, 'serve.py'), dir], {
      cwd: dir,
      env: childEnv(config, { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' }),
      readable: [dir],
    }),
  );
  const decode = (p: unknown): unknown => {
    if (file.taskType === 'regression') return Number(p);
    return file.labels === 'index' && file.classes ? file.classes[Number(p)] : String(p);
  };
  const prepare = (rows: Record<string, unknown>[]) => {
    assertRows(file.features, rows);
    return rows.map((r) => normaliseRow(file.features, r));
  };
  const loaded: LoadedModel = {
    ref,
    file,
    async predict(rows) {
      if (rows.length === 0) return [];
      const res = await server.request('predict', prepare(rows));
      return res.predictions.map(decode);
    },
    close: () => server.close(),
    processId: server.pid,
  };
  if (file.taskType === 'classification' && file.classes) {
    const classes = file.classes;
    loaded.predictProba = async (rows) => {
      if (rows.length === 0) return [];
      const res = await server.request('predict_proba', prepare(rows));
      if (!res.proba) {
        throw userError(
          'MODEL_NO_PROBABILITIES',
          `The ${file.algorithm} model does not give class probabilities`,
        );
      }
      return res.proba.map((p) => Object.fromEntries(classes.map((c, i) => [c, p[i] ?? 0])));
    };
  }
  return loaded;
}

async function loadBuiltin(ref: ModelRef, file: ModelFile, dir: string): Promise<LoadedModel> {
  const pre = Preprocessing.safeParse(file.preprocessing);
  const algo = BUILTIN_ALGORITHMS[file.algorithm];
  if (!pre.success || !algo) {
    throw userError('MODEL_INVALID', `The builtin model in ${dir} is incomplete or from another version`);
  }
  const classes = file.classes ?? [];
  const fitted: FittedBuiltin = algo.load(
    JSON.parse(await readFile(path.join(dir, BUILTIN_FILE), 'utf8')),
    file.taskType,
    classes.length,
  );
  const encode = (rows: Record<string, unknown>[]) => {
    assertRows(file.features, rows);
    return encodeRows(pre.data, rows);
  };
  const loaded: LoadedModel = {
    ref,
    file,
    predict: async (rows) => {
      if (rows.length === 0) return [];
      const out = fitted.predict(encode(rows));
      return file.taskType === 'classification' ? out.map((k) => classes[k]) : out;
    },
    close: async () => {},
  };
  const proba = fitted.predictProba?.bind(fitted);
  if (proba) {
    loaded.predictProba = async (rows) =>
      rows.length === 0
        ? []
        : proba(encode(rows)).map((p) => Object.fromEntries(classes.map((c, i) => [c, p[i] ?? 0])));
  }
  return loaded;
}

interface ServeReply {
  predictions: unknown[];
  proba: number[][] | null;
}

/** One warm `serve.py` process: JSON lines in, JSON lines out, answers matched by request id. */
export class PythonServer {
  private readonly pending = new Map<
    number,
    { resolve: (r: ServeReply) => void; reject: (e: unknown) => void }
  >();
  private nextId = 1;
  private readonly stderrTail: string[] = [];
  private exited = false;

  private constructor(
    private readonly proc: ResultPromise,
    readonly python: string,
  ) {}

  get pid(): number | undefined {
    return this.proc.pid;
  }

  static async start(
    python: string,
    sealed: { program: string; argv: string[]; env: Record<string, string> },
  ): Promise<PythonServer> {
    const modelDir = sealed.argv.at(-1) ?? '';
    const proc = execa(sealed.program, sealed.argv, {
      env: sealed.env,
      extendEnv: false,
      stdin: 'pipe',
      buffer: false,
      reject: false,
      forceKillAfterDelay: 2000,
    });
    const server = new PythonServer(proc, python);
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      if (proc.stderr) {
        createInterface({ input: proc.stderr }).on('line', (line) => {
          server.stderrTail.push(line);
          if (server.stderrTail.length > 20) server.stderrTail.shift();
        });
      }
      if (proc.stdout) {
        createInterface({ input: proc.stdout }).on('line', (line) => {
          let msg: Record<string, unknown>;
          try {
            msg = JSON.parse(line) as Record<string, unknown>;
          } catch {
            return;
          }
          if (!ready) {
            if (msg.ready === true) {
              ready = true;
              resolve();
            } else if (typeof msg.missing === 'string') reject(missingModuleError(python, msg.missing));
            return;
          }
          server.settle(msg);
        });
      }
      proc.then((result) => {
        server.exited = true;
        const err =
          (result as { code?: string }).code === 'ENOENT'
            ? pythonMissingError(python, result)
            : new PipewrightError({
                code: 'MODEL_SERVER_EXITED',
                category: 'system',
                what: `The Python prediction process for ${modelDir} stopped (exit code ${result.exitCode ?? result.signal})`,
                why: server.stderrTail.slice(-6).join('\n') || undefined,
                fix: 'Check that the interpreter has the packages the model was trained with.',
              });
        if (!ready) reject(err);
        for (const p of server.pending.values()) p.reject(err);
        server.pending.clear();
      });
    });
    return server;
  }

  private settle(msg: Record<string, unknown>): void {
    const id = Number(msg.id);
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    if (msg.ok === true) {
      waiter.resolve({
        predictions: Array.isArray(msg.predictions) ? msg.predictions : [],
        proba: Array.isArray(msg.proba) ? (msg.proba as number[][]) : null,
      });
    } else {
      waiter.reject(
        new PipewrightError({
          code: 'MODEL_PREDICT_FAILED',
          category: 'system',
          what: 'The Python model could not score the rows',
          why: String(msg.error ?? 'unknown error'),
          retryable: false,
        }),
      );
    }
  }

  request(op: 'predict' | 'predict_proba', rows: Record<string, unknown>[]): Promise<ServeReply> {
    if (this.exited || !this.proc.stdin) {
      return Promise.reject(
        new PipewrightError({
          code: 'MODEL_SERVER_EXITED',
          category: 'system',
          what: 'The prediction process has stopped',
        }),
      );
    }
    const id = this.nextId++;
    return new Promise<ServeReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdin?.write(`${JSON.stringify({ id, op, rows })}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    this.proc.stdin?.end();
    const timer = setTimeout(() => this.proc.kill('SIGTERM'), 2000);
    await this.proc;
    clearTimeout(timer);
  }
}
