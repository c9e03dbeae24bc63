/** The operations prep.transform accepts, as a schema the planner and the CLI validate against. */
import { z } from 'zod';
import { CastType } from '../lib/cast.ts';

const Columns = z.array(z.string()).min(1);

export const TransformOp = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('select').describe('Keep only the listed columns, in that order'),
    columns: Columns.describe('Columns to keep'),
  }),
  z.object({
    op: z.literal('drop').describe('Remove the listed columns'),
    columns: Columns.describe('Columns to remove'),
  }),
  z.object({
    op: z.literal('filter').describe('Keep the rows where a SQL predicate is true'),
    where: z
      .string()
      .describe('One DuckDB SQL boolean expression, e.g. "body_mass_g > 3000 AND sex IS NOT NULL"'),
  }),
  z.object({
    op: z.literal('dedupe').describe('Remove duplicate rows, keeping the first of each group'),
    keys: z
      .array(z.string())
      .optional()
      .describe('Columns that identify a duplicate; all columns when omitted'),
  }),
  z.object({
    op: z.literal('impute').describe('Fill nulls with a statistic fitted on the data, or a constant'),
    columns: z
      .array(z.string())
      .optional()
      .describe('Columns to fill; every column with nulls that suits the strategy when omitted'),
    strategy: z.enum(['mean', 'median', 'mode', 'constant']).describe('mean and median need numeric columns'),
    value: z
      .union([z.number(), z.string(), z.boolean()])
      .optional()
      .describe('Fill value, for strategy "constant"'),
  }),
  z.object({
    op: z
      .literal('cast')
      .describe(
        'Convert column types; values that do not convert become null (reported; an error when all do)',
      ),
    types: z.record(z.string(), CastType).describe('Target type by column, e.g. {"year": "INTEGER"}'),
    formats: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'strptime format by DATE/TIMESTAMP column, e.g. {"Release Date": "%d/%m/%Y"}; without one, ISO, "Jun 12 1998", "June 12, 1998", "12 Jun 1998" and US "03/01/2024" are read',
      ),
  }),
  z.object({
    op: z.literal('clip').describe('Limit numeric values to fixed bounds or to fitted quantiles'),
    columns: Columns.describe('Numeric columns to clip'),
    lower: z.number().optional().describe('Fixed lower bound'),
    upper: z.number().optional().describe('Fixed upper bound'),
    quantiles: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .optional()
      .describe('Fitted bounds as [low, high] quantiles, e.g. [0.01, 0.99]; instead of lower/upper'),
  }),
  z.object({
    op: z.literal('onehot').describe('Replace a categorical column by one 0/1 column per frequent category'),
    column: z.string().describe('Column to encode'),
    maxCategories: z
      .number()
      .int()
      .positive()
      .default(20)
      .describe('Most frequent categories kept; rarer ones encode as all zeros'),
    prefix: z.string().optional().describe('Prefix of the new column names (default "<column>_")'),
    keepOriginal: z.boolean().default(false).describe('Keep the source column too'),
  }),
  z.object({
    op: z.literal('scale').describe('Standardise numeric columns with statistics fitted on the data'),
    columns: Columns.describe('Numeric columns to scale'),
    method: z
      .enum(['zscore', 'minmax'])
      .default('zscore')
      .describe('zscore: (x-mean)/std; minmax: (x-min)/(max-min)'),
  }),
  z.object({
    op: z.literal('derive').describe('Add (or replace) a column computed by a SQL expression'),
    name: z.string().min(1).describe('Name of the new column'),
    expr: z.string().describe('One DuckDB SQL expression over the current columns, e.g. "price / area"'),
  }),
  z.object({
    op: z
      .literal('sql')
      .describe('Raw DuckDB SQL over a relation named "input"; its result replaces the table'),
    query: z
      .string()
      .describe('One SELECT statement, e.g. "SELECT species, avg(mass) AS mass FROM input GROUP BY 1"'),
  }),
]);
export type TransformOp = z.infer<typeof TransformOp>;
