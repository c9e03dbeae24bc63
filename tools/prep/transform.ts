/**
 * prep.transform: a readable list of table operations (select, drop, filter, dedupe, impute, cast, clip,
 * onehot, scale, derive, sql) applied in DuckDB. Stateful operations are fitted (optionally only on the rows
 * `fitOn` selects) into a plain-JSON transform spec that serving replays with applyTransform.
 * User SQL runs with file access limited to the step's scratch folder and the artifact store.
 */
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { CastLoss, castLoss, checkDateFormat, reportCastLoss } from '../lib/cast.ts';
import {
  checkSingleExpression,
  datasetRelation,
  explainSqlError,
  materialize,
  requireColumns,
} from '../lib/dataset-io.ts';
import { type DuckDB, ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { DatasetProfile, isNumericType, profileParquet } from '../lib/profile.ts';
import { DatasetRef } from '../lib/refs.ts';
import { type FittedStep, stepSelectSql, TransformSpec } from '../lib/transforms.ts';
import { TransformOp } from './transform-ops.ts';

export { TransformOp } from './transform-ops.ts';

const StepReport = z.object({
  index: z.number().int().describe('Position in the operation list'),
  op: z.string().describe('Operation'),
  rowsIn: z.number().int().describe('Rows before the operation'),
  rowsOut: z.number().int().describe('Rows after the operation'),
  columns: z.number().int().describe('Columns after the operation'),
  lost: z.array(CastLoss).optional().describe('cast only: values per column that did not convert'),
});

function artifactRoot(ctx: { artifacts: { pathOf(hash: string): string } }): string {
  // pathOf gives <root>/sha256/ab/cdef...: the root is three levels up.
  return path.dirname(path.dirname(path.dirname(ctx.artifacts.pathOf('0'.repeat(64)))));
}

async function count(db: DuckDB, table: string): Promise<number> {
  const [r] = await db.all(`SELECT count(*) AS n FROM ${table}`);
  return Number(r?.n ?? 0);
}

export const prepTransform = defineTask({
  id: 'prep.transform',
  description:
    'Clean and reshape a dataset with a list of operations (select, drop, filter, dedupe, impute, cast, clip, onehot, scale, derive, sql); fits a replayable transform for serving.',
  input: z.object({
    dataset: DatasetRef.describe('Dataset to transform'),
    ops: z.array(TransformOp).describe('Operations, applied in order'),
    fitOn: z
      .string()
      .optional()
      .describe(
        'SQL predicate selecting the rows statistics are fitted on, e.g. "split = \'train\'"; all rows when omitted',
      ),
    name: z.string().optional().describe('Name to attach to the result'),
  }),
  output: z.object({
    dataset: DatasetRef.describe('The transformed rows'),
    steps: z.array(StepReport).describe('Rows in and out of each operation'),
    profile: DatasetProfile,
    transform: z
      .object({
        hash: z.string().describe('Artifact id of the spec JSON'),
        path: z.string().describe('Path of the spec JSON'),
        spec: TransformSpec,
      })
      .describe('Fitted transform to replay on new rows (serving)'),
    warnings: z.array(z.string()).describe('Things a person should look at, e.g. a filter that left no rows'),
  }),
  async run(input, ctx) {
    if (input.fitOn !== undefined) checkSingleExpression(input.fitOn, 'fitOn');
    const source = datasetRelation(input.dataset);
    return withDuckDB(async (db) => {
      await db.run(`CREATE TABLE t0 AS SELECT * FROM ${source}`);
      // From here on, SQL written in the plan can touch only scratch and the artifact store.
      await db.run(`SET allowed_directories = [${literal(ctx.scratchDir)}, ${literal(artifactRoot(ctx))}]`);
      await db.run('SET enable_external_access = false');
      await db.run('SET lock_configuration = true');

      const warnings: string[] = [];
      const steps: z.input<typeof StepReport>[] = [];
      const fitted: FittedStep[] = [];
      const notReplayed: TransformSpec['notReplayed'] = [];
      let fittedRows: number | undefined;
      let table = 't0';
      let columns = (await db.columns(table)).map((c) => c.name);
      let rows = await count(db, table);

      for (const [index, op] of input.ops.entries()) {
        ctx.signal.throwIfAborted();
        const where = `ops[${index}] (${op.op})`;
        const next = `t${index + 1}`;
        const types = new Map((await db.columns(table)).map((c) => [c.name, c.type]));
        const fitWhere = input.fitOn ? `WHERE (${input.fitOn})` : '';
        const fitFrom = `(SELECT * FROM ${table} ${fitWhere}) AS fit`;
        const fitQuery = async (sql: string) => {
          try {
            return await db.all(sql);
          } catch (e) {
            throw explainSqlError(e, input.fitOn ? `fitOn "${input.fitOn}"` : where, columns);
          }
        };
        const noteFit = async () => {
          if (fittedRows === undefined) {
            const [r] = await fitQuery(`SELECT count(*) AS n FROM ${fitFrom}`);
            fittedRows = Number(r?.n ?? 0);
            if (fittedRows === 0) warnings.push(`${where}: fitOn selected no rows, statistics are empty`);
          }
        };
        const requireNumeric = (cols: string[]) => {
          for (const c of cols) {
            const t = types.get(c) ?? '';
            if (!isNumericType(t)) {
              throw userError(
                'DATA_TYPE',
                `${where}: column "${c}" is ${t}, not numeric`,
                `${op.op} works on numbers only`,
                `Cast it first ({ op: cast, types: { "${c}": DOUBLE } }) or pick a numeric column.`,
              );
            }
          }
        };

        let step: FittedStep | undefined;
        let sql: string | undefined;
        let lost: CastLoss[] | undefined;
        switch (op.op) {
          case 'select':
          case 'drop':
            requireColumns(op.columns, columns, where);
            step = { op: op.op, columns: op.columns };
            break;
          case 'cast': {
            requireColumns(Object.keys(op.types), columns, where);
            const formats = op.formats ?? {};
            requireColumns(Object.keys(formats), Object.keys(op.types), `${where} formats`);
            for (const [c, f] of Object.entries(formats)) checkDateFormat(c, op.types[c], f, where);
            lost = await castLoss(db, table, op.types, formats);
            for (const loss of lost) {
              const msg = reportCastLoss(loss, where);
              warnings.push(msg);
              ctx.log.warn(msg);
            }
            step = op.formats ? { op: 'cast', types: op.types, formats } : { op: 'cast', types: op.types };
            break;
          }
          case 'filter':
            checkSingleExpression(op.where, where);
            sql = `SELECT * FROM ${table} WHERE (${op.where})`;
            notReplayed.push({
              index,
              op: op.op,
              reason: 'filters rows; serving scores every row it is given',
            });
            break;
          case 'dedupe': {
            const keys = op.keys ?? columns;
            requireColumns(keys, columns, where);
            const partition = keys.map(ident).join(', ');
            sql =
              `SELECT * EXCLUDE (__pw_pos, __pw_rn) FROM (SELECT *, rowid AS __pw_pos, row_number() OVER ` +
              `(PARTITION BY ${partition} ORDER BY rowid) AS __pw_rn FROM ${table}) WHERE __pw_rn = 1 ORDER BY __pw_pos`;
            notReplayed.push({
              index,
              op: op.op,
              reason: 'removes rows; serving scores every row it is given',
            });
            break;
          }
          case 'derive':
            checkSingleExpression(op.expr, where);
            sql = columns.includes(op.name)
              ? `SELECT * REPLACE ((${op.expr}) AS ${ident(op.name)}) FROM ${table}`
              : `SELECT *, (${op.expr}) AS ${ident(op.name)} FROM ${table}`;
            notReplayed.push({
              index,
              op: op.op,
              reason: `column "${op.name}" comes from SQL; serving requests must include it`,
            });
            break;
          case 'sql':
            if (
              op.query
                .replace(/'(?:[^']|'')*'/g, "''")
                .trim()
                .replace(/;$/, '')
                .includes(';')
            ) {
              throw userError(
                'DATA_EXPRESSION',
                `${where}: the query holds more than one statement`,
                'only a single SELECT over "input" is allowed',
                'Remove the extra statements.',
              );
            }
            await db.run(`CREATE OR REPLACE VIEW input AS SELECT * FROM ${table}`);
            sql = op.query.trim().replace(/;$/, '');
            notReplayed.push({
              index,
              op: op.op,
              reason: 'raw SQL; serving requests must already have its result columns',
            });
            break;
          case 'impute': {
            const candidates = op.columns ?? columns;
            requireColumns(candidates, columns, where);
            const fills: Record<string, string | number | boolean> = {};
            if (op.strategy === 'constant') {
              if (op.value === undefined) {
                throw userError(
                  'DATA_INPUT',
                  `${where}: strategy "constant" needs a value`,
                  undefined,
                  'Add value: <fill>.',
                );
              }
              for (const c of candidates) fills[c] = op.value;
            } else {
              const cols =
                op.columns ??
                candidates.filter((c) => op.strategy === 'mode' || isNumericType(types.get(c) ?? ''));
              if (op.strategy !== 'mode') requireNumeric(cols);
              await noteFit();
              for (const c of cols) {
                const col = ident(c);
                const [r] =
                  op.strategy === 'mode'
                    ? await fitQuery(
                        `SELECT ${col} AS v FROM ${fitFrom} WHERE ${col} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
                      )
                    : await fitQuery(
                        `SELECT ${op.strategy === 'mean' ? `avg(${col})` : `quantile_cont(${col}, 0.5)`}::DOUBLE AS v FROM ${fitFrom}`,
                      );
                const v = r?.v;
                if (v === null || v === undefined) {
                  warnings.push(`${where}: "${c}" has no values to fit a ${op.strategy} on; left as is`);
                  continue;
                }
                fills[c] =
                  typeof v === 'boolean' ? v : isNumericType(types.get(c) ?? '') ? Number(v) : String(v);
              }
            }
            step = { op: 'impute', fills };
            break;
          }
          case 'clip': {
            requireColumns(op.columns, columns, where);
            requireNumeric(op.columns);
            const bounds: Record<string, { lower: number | null; upper: number | null }> = {};
            if (op.quantiles) {
              await noteFit();
              const [lo, hi] = op.quantiles;
              for (const c of op.columns) {
                const [r] = await fitQuery(
                  `SELECT quantile_cont(${ident(c)}, ${lo})::DOUBLE AS lo, quantile_cont(${ident(c)}, ${hi})::DOUBLE AS hi FROM ${fitFrom}`,
                );
                bounds[c] = {
                  lower: r?.lo == null ? null : Number(r.lo),
                  upper: r?.hi == null ? null : Number(r.hi),
                };
              }
            } else {
              if (op.lower === undefined && op.upper === undefined) {
                throw userError(
                  'DATA_INPUT',
                  `${where}: give lower/upper bounds or quantiles`,
                  undefined,
                  'Add quantiles: [0.01, 0.99].',
                );
              }
              for (const c of op.columns) bounds[c] = { lower: op.lower ?? null, upper: op.upper ?? null };
            }
            step = { op: 'clip', bounds };
            break;
          }
          case 'scale': {
            requireColumns(op.columns, columns, where);
            requireNumeric(op.columns);
            await noteFit();
            const params: Record<string, { center: number; scale: number }> = {};
            for (const c of op.columns) {
              const col = ident(c);
              const [r] = await fitQuery(
                op.method === 'zscore'
                  ? `SELECT avg(${col})::DOUBLE AS center, stddev_pop(${col})::DOUBLE AS scale FROM ${fitFrom}`
                  : `SELECT min(${col})::DOUBLE AS center, (max(${col}) - min(${col}))::DOUBLE AS scale FROM ${fitFrom}`,
              );
              const center = r?.center == null ? 0 : Number(r.center);
              let scale = r?.scale == null ? 1 : Number(r.scale);
              if (!(scale > 0)) {
                warnings.push(`${where}: "${c}" is constant in the fitted rows; scaled by 1`);
                scale = 1;
              }
              params[c] = { center, scale };
            }
            step = { op: 'scale', method: op.method, params };
            break;
          }
          case 'onehot': {
            requireColumns([op.column], columns, where);
            await noteFit();
            const col = ident(op.column);
            const cats = await fitQuery(
              `SELECT ${col}::VARCHAR AS v FROM ${fitFrom} WHERE ${col} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ${op.maxCategories}`,
            );
            const categories = cats.map((r) => String(r.v));
            const prefix = op.prefix ?? `${op.column}_`;
            const names = categories.map((c) => `${prefix}${c}`);
            const clash = names.find((n) => columns.includes(n) && n !== op.column);
            if (clash) {
              throw userError(
                'DATA_INPUT',
                `${where}: the new column "${clash}" already exists`,
                undefined,
                'Set a different prefix.',
              );
            }
            step = { op: 'onehot', column: op.column, categories, names, keepOriginal: op.keepOriginal };
            break;
          }
        }

        if (step) {
          fitted.push(step);
          const s = stepSelectSql(step, columns);
          sql = `SELECT ${s.select} FROM ${table}`;
        }
        try {
          await db.run(`CREATE TABLE ${next} AS ${sql}`);
        } catch (e) {
          throw explainSqlError(e, where, columns);
        }
        const rowsOut = await count(db, next);
        await db.run(`DROP TABLE ${table}`);
        columns = (await db.columns(next)).map((c) => c.name);
        steps.push({
          index,
          op: op.op,
          rowsIn: rows,
          rowsOut,
          columns: columns.length,
          ...(lost ? { lost } : {}),
        });
        ctx.log.info(`${where}: ${rows} -> ${rowsOut} rows`);
        if (rowsOut === 0 && rows > 0) {
          const msg = `${where} left no rows`;
          warnings.push(msg);
          ctx.log.warn(msg);
        }
        rows = rowsOut;
        table = next;
        ctx.progress((0.8 * (index + 1)) / input.ops.length, `${op.op} done`);
      }

      const dataset = await materialize(
        db,
        `SELECT * FROM ${table}`,
        ctx,
        input.name ? { name: input.name } : {},
      );
      const profile = await profileParquet(db, dataset.path);
      const spec: TransformSpec = {
        kind: 'pipewright.transform',
        version: 1,
        fitOn: input.fitOn ?? null,
        fittedRows: fittedRows ?? input.dataset.rows,
        steps: fitted,
        notReplayed,
      };
      const stored = await ctx.artifacts.putBytes(`${JSON.stringify(spec, null, 2)}\n`, {
        mediaType: 'application/json',
      });
      ctx.progress(1, `${dataset.rows} rows`);
      return { dataset, steps, profile, transform: { hash: stored.hash, path: stored.path, spec }, warnings };
    });
  },
});
