/**
 * predict.batch: scores every row of a dataset with a model and writes the rows plus a `prediction` column
 * (and per-class probabilities on request) as a new Parquet dataset, optionally also as CSV and as a file in
 * the workspace. The model is a training step's ModelRef or a registry reference ("churn@production",
 * "churn:3") resolved when the step runs, so a plan keeps scoring with whatever production is then.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask, resolveInWorkspace } from '../../src/tasks/index.ts';
import { ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { loadModel } from '../lib/model.ts';
import { ModelInput, resolveModel } from '../lib/model-reference.ts';
import { DatasetRef } from '../lib/refs.ts';
import { readScoringRows } from '../lib/scoring-data.ts';
import { resolveDataPath } from '../train/data.ts';

const BATCH = 5000;

export const PredictBatchInput = z.object({
  model: ModelInput.describe(
    'The model that scores the rows: a ModelRef, or a registered model "name" (production), "name@alias", "name:3"',
  ),
  dataset: DatasetRef.describe('Rows to score; must have the model feature columns'),
  outputColumn: z.string().min(1).default('prediction').describe('Name of the prediction column'),
  probabilities: z
    .boolean()
    .default(false)
    .describe('Also add one probability column per class, named <outputColumn>_<class> (classification)'),
  csv: z.boolean().default(false).describe('Also write the scored rows as CSV (csvPath in the output)'),
  output: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Also write the scored rows to this workspace path: a folder ending in "/" (gets <dataset>-scored.csv) or a file ending in .csv, .parquet or .json',
    ),
});

const OUTPUT_FORMATS: Record<string, string> = {
  '.csv': 'FORMAT csv, HEADER true',
  '.parquet': 'FORMAT parquet',
  '.json': 'FORMAT json, ARRAY true',
};

export const PredictBatchOutput = z.object({
  dataset: DatasetRef.describe('The input rows with the prediction column(s), as Parquet'),
  csvPath: z.string().optional().describe('The same rows as CSV, when csv was requested'),
  written: z.string().optional().describe('Absolute path of the file written for `output`'),
  scoredWith: z
    .object({
      hash: z.string().describe('sha256 of the model folder'),
      name: z.string().optional().describe('Registered model name, when given by reference'),
      version: z.number().int().optional().describe('Registered version that scored the rows'),
      alias: z.string().optional().describe('The alias the reference named, e.g. production'),
    })
    .describe('The model that scored the rows'),
});

export const predictBatch = defineTask({
  id: 'predict.batch',
  description:
    'Score every row of a dataset with a trained model or a registered one by reference ("churn@production", "churn:3"); outputs the rows plus a prediction column, optionally written to a workspace file.',
  input: PredictBatchInput,
  output: PredictBatchOutput,
  version: 2,
  // Writing `output` is a side effect a cache hit would skip.
  cacheable: false,
  async run(input, ctx) {
    const file = resolveDataPath(ctx, input.dataset.path, 'dataset to score');
    const target = input.output ? outputTarget(ctx.workspace, input.output, input.dataset.name) : undefined;
    const resolved = resolveModel(input.model, ctx.config, 'model to score with');
    if (resolved.registered) {
      const r = resolved.registered;
      ctx.log.info(`scoring with ${r.name} version ${r.version}${r.alias ? ` (${r.alias})` : ''}`);
    }
    const model = await loadModel(resolved.ref.dir, { config: ctx.config });
    const scored = path.join(ctx.scratchDir, 'predictions.jsonl');
    const classes = model.file.classes ?? [];
    const withProba = input.probabilities && model.predictProba !== undefined;
    try {
      const data = await readScoringRows(file, model.file.features);
      const lines: string[] = [];
      for (let i = 0; i < data.rows.length; i += BATCH) {
        ctx.signal.throwIfAborted();
        const batch = data.rows.slice(i, i + BATCH);
        const pred = await model.predict(batch);
        const proba = withProba && model.predictProba ? await model.predictProba(batch) : undefined;
        pred.forEach((p, j) => {
          const rec: Record<string, unknown> = { r: data.rowNumbers[i + j], p };
          classes.forEach((c, k) => {
            if (proba) rec[`c${k}`] = proba[j]?.[c] ?? 0;
          });
          lines.push(JSON.stringify(rec));
        });
        ctx.progress(Math.min(0.9, (i + batch.length) / Math.max(1, data.rows.length)), 'scoring');
      }
      await writeFile(scored, `${lines.join('\n')}\n`);
    } finally {
      await model.close();
    }
    const predType = model.file.taskType === 'classification' ? 'VARCHAR' : 'DOUBLE';
    const jsonCols = [
      `r: 'BIGINT'`,
      `p: '${predType}'`,
      ...(withProba ? classes.map((_, k) => `c${k}: 'DOUBLE'`) : []),
    ];
    const extra = [
      `p.p AS ${ident(input.outputColumn)}`,
      ...(withProba ? classes.map((c, k) => `p.c${k} AS ${ident(`${input.outputColumn}_${c}`)}`) : []),
    ];
    const out = path.join(ctx.scratchDir, 'scored.parquet');
    const select = `SELECT s.* EXCLUDE (file_row_number), ${extra.join(', ')}
      FROM read_parquet(${literal(file)}, file_row_number = true) s
      JOIN read_json(${literal(scored)}, columns = {${jsonCols.join(', ')}}, format = 'newline_delimited') p
        ON s.file_row_number = p.r ORDER BY s.file_row_number`;
    const result = await withDuckDB(async (db) => {
      await db.run(`COPY (${select}) TO ${literal(out)} (FORMAT parquet)`);
      let csvPath: string | undefined;
      if (input.csv) {
        csvPath = path.join(ctx.scratchDir, 'scored.csv');
        await db.run(`COPY (${select}) TO ${literal(csvPath)} (FORMAT csv, HEADER true)`);
      }
      if (target) {
        await mkdir(path.dirname(target.file), { recursive: true });
        await db.run(`COPY (${select}) TO ${literal(target.file)} (${target.format})`);
      }
      const columns = await db.columns(`read_parquet(${literal(out)})`);
      const [count] = await db.all(`SELECT count(*) AS n FROM read_parquet(${literal(out)})`);
      return { columns, rows: Number(count?.n ?? 0), csvPath };
    });
    const stored = await ctx.artifacts.putFile(out, { mediaType: 'application/vnd.apache.parquet' });
    let csvPath: string | undefined;
    if (result.csvPath)
      csvPath = (await ctx.artifacts.putFile(result.csvPath, { mediaType: 'text/csv' })).path;
    ctx.progress(1, 'done');
    return {
      dataset: {
        path: stored.path,
        hash: stored.hash,
        rows: result.rows,
        columns: result.columns,
        ...(input.dataset.name ? { name: `${input.dataset.name}-scored` } : {}),
      },
      ...(csvPath ? { csvPath } : {}),
      ...(target ? { written: target.file } : {}),
      scoredWith: {
        hash: resolved.ref.hash,
        ...(resolved.registered
          ? {
              name: resolved.registered.name,
              version: resolved.registered.version,
              ...(resolved.registered.alias ? { alias: resolved.registered.alias } : {}),
            }
          : {}),
      },
    };
  },
});

/** The workspace file `output` names, checked before any scoring so a bad path fails fast. */
function outputTarget(workspace: string, output: string, datasetName?: string) {
  const isFolder = output.endsWith('/') || !path.extname(output);
  const rel = isFolder ? path.join(output, `${datasetName ?? 'predictions'}-scored.csv`) : output;
  const format = OUTPUT_FORMATS[path.extname(rel).toLowerCase()];
  if (!format) {
    throw userError(
      'PREDICT_OUTPUT_FORMAT',
      `Cannot write predictions as "${path.extname(rel)}"`,
      `output "${output}" must be a folder (ending in "/") or a .csv, .parquet or .json file`,
      'Name e.g. "scores/" or "scores/predictions.csv".',
    );
  }
  return { file: resolveInWorkspace(workspace, rel, 'predictions output'), format };
}
