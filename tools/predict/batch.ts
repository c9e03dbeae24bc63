/**
 * predict.batch: scores every row of a dataset with a model and writes the rows plus a `prediction` column
 * (and per-class probabilities on request) as a new Parquet dataset, optionally also as CSV.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineTask } from '../../src/tasks/index.ts';
import { ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { loadModel } from '../lib/model.ts';
import { DatasetRef, ModelRef } from '../lib/refs.ts';
import { readScoringRows } from '../lib/scoring-data.ts';
import { resolveDataPath } from '../train/data.ts';

const BATCH = 5000;

export const PredictBatchInput = z.object({
  model: ModelRef.describe('The model that scores the rows'),
  dataset: DatasetRef.describe('Rows to score; must have the model feature columns'),
  outputColumn: z.string().min(1).default('prediction').describe('Name of the prediction column'),
  probabilities: z
    .boolean()
    .default(false)
    .describe('Also add one probability column per class, named <outputColumn>_<class> (classification)'),
  csv: z.boolean().default(false).describe('Also write the scored rows as CSV (csvPath in the output)'),
});

export const PredictBatchOutput = z.object({
  dataset: DatasetRef.describe('The input rows with the prediction column(s), as Parquet'),
  csvPath: z.string().optional().describe('The same rows as CSV, when csv was requested'),
});

export const predictBatch = defineTask({
  id: 'predict.batch',
  description:
    'Score every row of a dataset with a trained model; outputs the rows plus a prediction column.',
  input: PredictBatchInput,
  output: PredictBatchOutput,
  async run(input, ctx) {
    const file = resolveDataPath(ctx, input.dataset.path, 'dataset to score');
    const model = await loadModel(input.model.dir, { config: ctx.config });
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
    };
  },
});
