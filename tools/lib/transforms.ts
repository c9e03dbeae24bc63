/**
 * Fitted transforms: the plain-JSON result of fitting prep.transform's stateful operations (fill values,
 * bounds, means and standard deviations, categories). The same spec replays two ways that must agree:
 *   - applyTransform(spec, rows): on plain JS rows, for serving single predictions;
 *   - stepSelectSql(step, columns): as a DuckDB SELECT list, used by prep.transform itself.
 */
import { z } from 'zod';
import { CastType, castSql, castValue, toNumber } from './cast.ts';
import { ident, literal } from './duckdb.ts';

export { CastType, castValue } from './cast.ts';

const Fill = z.union([z.number(), z.string(), z.boolean()]).describe('Value that replaces nulls');

export const FittedStep = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('select').describe('Keep only these columns, in this order'),
    columns: z.array(z.string()).describe('Columns kept'),
  }),
  z.object({
    op: z.literal('drop').describe('Remove these columns'),
    columns: z.array(z.string()).describe('Columns removed'),
  }),
  z.object({
    op: z.literal('cast').describe('Convert column types; values that do not convert become null'),
    types: z.record(z.string(), CastType).describe('Target type by column'),
    formats: z
      .record(z.string(), z.string())
      .optional()
      .describe('strptime format by DATE/TIMESTAMP column; the built-in list of formats when absent'),
  }),
  z.object({
    op: z.literal('impute').describe('Replace nulls with fitted fill values'),
    fills: z.record(z.string(), Fill).describe('Fill value by column'),
  }),
  z.object({
    op: z.literal('clip').describe('Limit values to fitted or fixed bounds'),
    bounds: z
      .record(
        z.string(),
        z.object({
          lower: z.number().nullable().describe('Lowest value kept (null: no lower bound)'),
          upper: z.number().nullable().describe('Highest value kept (null: no upper bound)'),
        }),
      )
      .describe('Bounds by column'),
  }),
  z.object({
    op: z.literal('scale').describe('x -> (x - center) / scale'),
    method: z.enum(['zscore', 'minmax']).describe('zscore: mean and population std; minmax: min and range'),
    params: z
      .record(
        z.string(),
        z.object({ center: z.number().describe('Subtracted'), scale: z.number().describe('Divided by') }),
      )
      .describe('Parameters by column'),
  }),
  z.object({
    op: z
      .literal('onehot')
      .describe('One 0/1 column per known category; unseen values and nulls give all zeros'),
    column: z.string().describe('Categorical column encoded'),
    categories: z.array(z.string()).describe('Known categories (as text)'),
    names: z.array(z.string()).describe('Output column for each category'),
    keepOriginal: z.boolean().describe('Whether the source column is kept'),
  }),
]);
export type FittedStep = z.infer<typeof FittedStep>;

export const TransformSpec = z
  .object({
    kind: z.literal('pipewright.transform').describe('Marks the file as a fitted transform'),
    version: z.literal(1).describe('Spec format version'),
    fitOn: z.string().nullable().describe('SQL predicate selecting the rows the statistics were fitted on'),
    fittedRows: z.number().int().describe('Rows the statistics were fitted on (at the first stateful step)'),
    steps: z.array(FittedStep).describe('Row-wise steps to replay, in order'),
    notReplayed: z
      .array(
        z.object({
          index: z.number().int().describe('Position in the operation list'),
          op: z.string().describe('Operation'),
          reason: z.string().describe('Why it is not part of the replay'),
        }),
      )
      .describe('Operations the replay leaves out (row filters, SQL expressions)'),
  })
  .describe('A fitted, replayable preprocessing transform');
export type TransformSpec = z.infer<typeof TransformSpec>;

type Row = Record<string, unknown>;

const isNull = (v: unknown) => v === null || v === undefined;

function applyStep(step: FittedStep, row: Row): Row {
  switch (step.op) {
    case 'select':
      return Object.fromEntries(step.columns.map((c) => [c, row[c] ?? null]));
    case 'drop': {
      const out = { ...row };
      for (const c of step.columns) delete out[c];
      return out;
    }
    case 'cast': {
      const out = { ...row };
      for (const [c, t] of Object.entries(step.types)) out[c] = castValue(row[c], t, step.formats?.[c]);
      return out;
    }
    case 'impute': {
      const out = { ...row };
      for (const [c, fill] of Object.entries(step.fills)) {
        if (isNull(row[c])) out[c] = fill;
        else if (typeof fill === 'number') out[c] = toNumber(row[c]);
      }
      return out;
    }
    case 'clip': {
      const out = { ...row };
      for (const [c, b] of Object.entries(step.bounds)) {
        let x = toNumber(row[c]);
        if (x !== null) {
          if (b.lower !== null) x = Math.max(x, b.lower);
          if (b.upper !== null) x = Math.min(x, b.upper);
        }
        out[c] = x;
      }
      return out;
    }
    case 'scale': {
      const out = { ...row };
      for (const [c, p] of Object.entries(step.params)) {
        const x = toNumber(row[c]);
        out[c] = x === null ? null : (x - p.center) / p.scale;
      }
      return out;
    }
    case 'onehot': {
      const out: Row = {};
      const v = row[step.column];
      const text = isNull(v) ? undefined : String(v);
      for (const [k, val] of Object.entries(row)) {
        if (k === step.column) {
          if (step.keepOriginal) out[k] = val;
          step.categories.forEach((cat, i) => {
            out[step.names[i] as string] = text === cat ? 1 : 0;
          });
        } else {
          out[k] = val;
        }
      }
      if (!(step.column in row)) {
        for (const name of step.names) out[name] = 0;
      }
      return out;
    }
  }
}

/** Replays a fitted transform on plain rows (the serving path). Pure: the input rows are not changed. */
export function applyTransform(
  spec: TransformSpec,
  rows: Record<string, unknown>[],
): Record<string, unknown>[] {
  return rows.map((row) => spec.steps.reduce<Row>((r, step) => applyStep(step, r), row));
}

function numLiteral(x: number): string {
  return `${literal(String(x))}::DOUBLE`;
}

function fillLiteral(v: string | number | boolean): string {
  if (typeof v === 'number') return numLiteral(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return literal(v);
}

/**
 * The SELECT list that applies one fitted step to a relation with `columns`, and the columns it yields.
 * Must agree with applyStep above (test/data/transforms.test.ts checks both on the same rows).
 */
export function stepSelectSql(
  step: FittedStep,
  columns: readonly string[],
): { select: string; columns: string[] } {
  const keep = (c: string) => ident(c);
  switch (step.op) {
    case 'select':
      return { select: step.columns.map(keep).join(', '), columns: [...step.columns] };
    case 'drop': {
      const out = columns.filter((c) => !step.columns.includes(c));
      return { select: out.map(keep).join(', '), columns: out };
    }
    case 'cast':
      return {
        select: columns
          .map((c) => {
            const t = step.types[c];
            if (!t) return keep(c);
            return `${castSql(c, t, step.formats?.[c])} AS ${ident(c)}`;
          })
          .join(', '),
        columns: [...columns],
      };
    case 'impute':
      return {
        select: columns
          .map((c) => {
            const fill = step.fills[c];
            if (fill === undefined) return keep(c);
            const col = typeof fill === 'number' ? `${ident(c)}::DOUBLE` : ident(c);
            return `COALESCE(${col}, ${fillLiteral(fill)}) AS ${ident(c)}`;
          })
          .join(', '),
        columns: [...columns],
      };
    case 'clip':
      return {
        select: columns
          .map((c) => {
            const b = step.bounds[c];
            if (!b) return keep(c);
            let expr = `${ident(c)}::DOUBLE`;
            if (b.lower !== null) expr = `GREATEST(${expr}, ${numLiteral(b.lower)})`;
            if (b.upper !== null) expr = `LEAST(${expr}, ${numLiteral(b.upper)})`;
            return `CASE WHEN ${ident(c)} IS NULL THEN NULL ELSE ${expr} END AS ${ident(c)}`;
          })
          .join(', '),
        columns: [...columns],
      };
    case 'scale':
      return {
        select: columns
          .map((c) => {
            const p = step.params[c];
            if (!p) return keep(c);
            return `(${ident(c)}::DOUBLE - ${numLiteral(p.center)}) / ${numLiteral(p.scale)} AS ${ident(c)}`;
          })
          .join(', '),
        columns: [...columns],
      };
    case 'onehot': {
      const parts: string[] = [];
      const out: string[] = [];
      const src = ident(step.column);
      const dummies = step.categories.map((cat, i) => {
        const name = step.names[i] as string;
        return {
          name,
          sql: `(CASE WHEN ${src}::VARCHAR = ${literal(cat)} THEN 1 ELSE 0 END)::INTEGER AS ${ident(name)}`,
        };
      });
      for (const c of columns) {
        if (c === step.column) {
          if (step.keepOriginal) {
            parts.push(keep(c));
            out.push(c);
          }
          for (const d of dummies) {
            parts.push(d.sql);
            out.push(d.name);
          }
        } else {
          parts.push(keep(c));
          out.push(c);
        }
      }
      return { select: parts.join(', '), columns: out };
    }
  }
}
