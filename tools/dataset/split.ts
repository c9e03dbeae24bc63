/**
 * dataset.split: train/test (and optional validation) splits, seeded random, stratified by a column, or by
 * time. Each row's rank comes from a seeded hash of its position in the file, so a seed always gives the same
 * split; sizes are exact (rounded per stratum for stratified splits).
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { datasetRelation, explainSqlError, materialize, requireColumns } from '../lib/dataset-io.ts';
import { ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { columnKind } from '../lib/profile.ts';
import { DatasetRef } from '../lib/refs.ts';

const Method = z.discriminatedUnion('method', [
  z.object({ method: z.literal('random').describe('Rows assigned at random (seeded)') }),
  z.object({
    method: z
      .literal('stratified')
      .describe('Random within each value of a column, so every part keeps its proportions'),
    column: z.string().describe('Column whose proportions are kept, usually the label'),
  }),
  z.object({
    method: z.literal('time').describe('Earlier rows train, later rows test: no peeking into the future'),
    column: z.string().describe('Timestamp or date column'),
    cutoff: z
      .string()
      .optional()
      .describe('Rows at or after this time go to test (e.g. "2015-01-01"); otherwise the shares decide'),
  }),
]);

export const datasetSplit = defineTask({
  id: 'dataset.split',
  description:
    'Split a dataset into train/test (and optional validation) parts: seeded random, stratified by a column, or by time.',
  input: z.object({
    dataset: DatasetRef.describe('Dataset to split'),
    by: Method.default({ method: 'random' }).describe('How rows are assigned'),
    testShare: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.2)
      .describe('Share of rows in the test part (ignored for a time split with a cutoff)'),
    validationShare: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe(
        'Share of rows in a validation part (0: none); with a time cutoff, share of the rows before it',
      ),
    seed: z.number().int().default(42).describe('Random seed; the same seed gives the same split'),
  }),
  output: z.object({
    train: DatasetRef.describe('Training rows'),
    test: DatasetRef.describe('Test rows'),
    validation: DatasetRef.optional().describe('Validation rows, when validationShare > 0'),
    sizes: z
      .object({
        train: z.number().int().describe('Training rows'),
        test: z.number().int().describe('Test rows'),
        validation: z.number().int().describe('Validation rows'),
      })
      .describe('Rows per part'),
  }),
  async run(input, ctx) {
    const { testShare, validationShare, seed, by } = input;
    if (testShare + validationShare >= 1) {
      throw userError(
        'DATA_INPUT',
        `testShare + validationShare is ${testShare + validationShare}, leaving no training rows`,
        undefined,
        'Make the two shares add up to less than 1.',
      );
    }
    const file = datasetRelation(input.dataset).replace(/\)$/, ', file_row_number = true)');
    return withDuckDB(async (db) => {
      const cols = await db.columns(datasetRelation(input.dataset));
      const names = cols.map((c) => c.name);
      if (by.method !== 'random') requireColumns([by.column], names, `by.column (${by.method})`);
      const rank = `hash(file_row_number, ${seed})`;
      let assign: string;
      if (by.method === 'time') {
        const type = cols.find((c) => c.name === by.column)?.type ?? '';
        if (columnKind(type) !== 'temporal' && columnKind(type) !== 'numeric') {
          throw userError(
            'DATA_TYPE',
            `by.column "${by.column}" is ${type}, not a date, timestamp or number`,
            'a time split orders rows by this column',
            'Pick a date/timestamp column, or cast it first with prep.transform.',
          );
        }
        const t = ident(by.column);
        if (by.cutoff !== undefined) {
          // From the cutoff on: test. Before it: train, except the latest validationShare of those rows.
          const cut = `${literal(by.cutoff)}::${type}`;
          assign = `CASE WHEN ${t} >= ${cut} THEN 'test'
            WHEN ${validationShare} > 0 AND percent_rank() OVER (PARTITION BY ${t} < ${cut} ORDER BY ${t}, file_row_number) >= ${1 - validationShare} THEN 'validation'
            ELSE 'train' END`;
        } else {
          const pos = `row_number() OVER (ORDER BY ${t} NULLS FIRST, file_row_number)`;
          const n = 'count(*) OVER ()';
          assign = `CASE WHEN ${pos} > ${n} - round(${n} * ${testShare}) THEN 'test'
            WHEN ${pos} > ${n} - round(${n} * ${testShare}) - round(${n} * ${validationShare}) THEN 'validation'
            ELSE 'train' END`;
        }
      } else {
        const part = by.method === 'stratified' ? `PARTITION BY ${ident(by.column)}` : '';
        const pos = `row_number() OVER (${part} ORDER BY ${rank}, file_row_number)`;
        const n = `count(*) OVER (${part})`;
        assign = `CASE WHEN ${pos} <= round(${n} * ${testShare}) THEN 'test'
          WHEN ${pos} <= round(${n} * ${testShare}) + round(${n} * ${validationShare}) THEN 'validation'
          ELSE 'train' END`;
      }
      try {
        await db.run(
          `CREATE TABLE parts AS SELECT *, ${assign} AS __pw_part FROM ${file} ORDER BY file_row_number`,
        );
      } catch (e) {
        throw explainSqlError(
          e,
          `dataset.split (${by.method})`,
          names,
          'DATA_INPUT',
          'Check the cutoff and column.',
        );
      }
      const part = async (p: string) =>
        materialize(
          db,
          `SELECT * EXCLUDE (__pw_part, file_row_number) FROM parts WHERE __pw_part = '${p}' ORDER BY file_row_number`,
          ctx,
          input.dataset.name ? { name: `${input.dataset.name}-${p}` } : {},
        );
      const train = await part('train');
      const test = await part('test');
      const validation = validationShare > 0 ? await part('validation') : undefined;
      const sizes = { train: train.rows, test: test.rows, validation: validation?.rows ?? 0 };
      ctx.log.info(`split ${input.dataset.rows} rows (${by.method}, seed ${seed})`, sizes);
      for (const [k, v] of Object.entries(sizes)) {
        if (v === 0 && (k !== 'validation' || validationShare > 0)) ctx.log.warn(`the ${k} part is empty`);
      }
      ctx.progress(1, `${sizes.train}/${sizes.validation}/${sizes.test}`);
      return { train, test, ...(validation ? { validation } : {}), sizes };
    });
  },
});
