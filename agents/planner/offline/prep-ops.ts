/**
 * The goal's prep words → prep.transform operations, checked against the real columns. A column the goal
 * names that the data lacks becomes one clarifying question instead of a guess.
 */
import { type DatasetDescription, NUMERIC_TYPES, TEXT_TYPES } from '../describe-dataset.ts';
import type { DraftOutcome } from '../types.ts';
import { matchColumn, matchColumnList } from './columns.ts';
import type { GoalSpec } from './parse.ts';

export const quote = (col: string) => `"${col.replaceAll('"', '""')}"`;

export interface PrepOpsInput {
  prep: GoalSpec['prep'];
  data: DatasetDescription | undefined;
  /** The column the model predicts: never scaled, encoded or dropped. */
  target: string | undefined;
  /** How the source is named in questions and notes. */
  where: string;
  /** " Its columns are: …." for questions, or ''. */
  columnList: string;
  notes: string[];
}

export type PrepOpsOutcome = { ops: Record<string, unknown>[] } | { clarify: DraftOutcome };

const ask = (question: string): { clarify: DraftOutcome } => ({ clarify: { kind: 'clarify', question } });

/** "mean yield per site & year" → one SQL group-by over the real columns; a model's data is never grouped. */
function aggregateSql(
  p: Extract<GoalSpec['prep'][number], { op: 'aggregate' }>,
  data: DatasetDescription | undefined,
  target: string | undefined,
  where: string,
  columnList: string,
  notes: string[],
): { op: Record<string, unknown> } | { clarify: DraftOutcome } | undefined {
  if (target) {
    notes.push(
      `"${p.fn} ${p.measure} by ${p.by}" is not applied: the model trains on the rows, not on groups`,
    );
    return undefined;
  }
  if (!data) {
    notes.push(`cannot check the columns of "${p.fn} ${p.measure} by ${p.by}" before the data is read`);
    return undefined;
  }
  const columns = data.columns.map((c) => c.name);
  const groups = matchColumnList(p.by, columns).found;
  const measure = matchColumn(p.measure, columns)?.column;
  if (!groups.length || !measure)
    return ask(
      `Which columns should "${p.fn} of ${p.measure} by ${p.by}" use? I could not find "${measure ? p.by : p.measure}" in ${where}.${columnList}`,
    );
  const keys = groups.map(quote).join(', ');
  const query = `SELECT ${keys}, ${p.fn}(${quote(measure)}) AS ${quote(measure)} FROM input GROUP BY ${keys} ORDER BY ${keys}`;
  notes.push(`one row per ${groups.join(' and ')}, with the ${p.fn} of ${measure} (as SQL)`);
  return { op: { op: 'sql', query } };
}

/** The operations of the clean step, in the goal's order, without those left empty by a drop. */
/** "rows for Seattle": the text column whose values hold it (any case); a lowercase value none holds is dropped. */
function valueFilter(
  value: string,
  data: DatasetDescription | undefined,
  where: string,
  columnList: string,
  notes: string[],
): { op: Record<string, unknown> } | { clarify: DraftOutcome } | undefined {
  if (!data) {
    notes.push(`cannot check which column holds "${value}" before the data is read`);
    return undefined;
  }
  const said = value.toLowerCase();
  const holders = data.columns.flatMap((c) => {
    const v = c.values?.find((x) => x.toLowerCase() === said);
    return v === undefined ? [] : [{ column: c.name, v }];
  });
  const hit = holders[0];
  if (holders.length === 1 && hit) {
    notes.push(`rows are kept where ${hit.column} is ${hit.v}`);
    return { op: { op: 'filter', where: `${quote(hit.column)} = '${hit.v.replaceAll("'", "''")}'` } };
  }
  if (holders.length > 1 || value !== said)
    return ask(
      `Which column should be "${value}" to keep a row? ${holders.length > 1 ? `Several hold it in ${where}.` : `I could not find it among the values of ${where}.`}${columnList}`,
    );
  return undefined;
}

/** A short column name the word starts with ("population" → pop), when only one is: for an expression's words. */
function shortFor(word: string, columns: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const hits = columns.filter(
    (c) => /^[a-z]{3,}$/i.test(c) && w.length > c.length && w.startsWith(c.toLowerCase()),
  );
  return hits.length === 1 ? hits[0] : undefined;
}

export function prepOps({ prep, data, target, where, columnList, notes }: PrepOpsInput): PrepOpsOutcome {
  const columns = data?.columns.map((c) => c.name) ?? [];
  const ops: Record<string, unknown>[] = [];
  const feature = (c: { name: string }) => c.name !== target;
  for (const p of prep) {
    if (p.op === 'dedupe') {
      // "remove duplicate titles": rows with the same Title are duplicates.
      const keys = p.list && data ? matchColumnList(p.list, columns).found : [];
      ops.push(keys.length ? { op: 'dedupe', keys } : { op: 'dedupe' });
    } else if (p.op === 'dropna' && p.list) {
      // Rows missing named columns: each must be a real column.
      if (!data) {
        notes.push(
          `cannot check the columns "${p.list}" before the data is read; no rows are dropped for them`,
        );
        continue;
      }
      const { found } = matchColumnList(p.list, columns);
      if (found.length === 0) {
        return ask(
          `Rows missing which column should be dropped? I could not find "${p.list}" in ${where}.${columnList}`,
        );
      }
      ops.push({ op: 'filter', where: found.map((c) => `${quote(c)} IS NOT NULL`).join(' AND ') });
    } else if (p.op === 'where' && p.valueColumn) {
      const found = valueFilter(p.value, data, where, columnList, notes);
      if (found && 'clarify' in found) return found;
      if (found) ops.push(found.op);
    } else if (p.op === 'where') {
      // "rows from 2005 on": the data's date or year column when none is named.
      const col = data
        ? (matchColumn(p.column, columns)?.column ??
          (p.timeColumn ? data.columns.find((c) => /DATE|TIMESTAMP/.test(c.type))?.name : undefined))
        : undefined;
      if (!col) {
        if (!data) notes.push(`cannot check the column "${p.column}" to filter on before the data is read`);
        else
          return ask(
            `Which column should rows be filtered on? I could not find "${p.column}" in ${where}.${columnList}`,
          );
        continue;
      }
      const info = data?.columns.find((c) => c.name === col);
      const numeric = !!info && NUMERIC_TYPES.test(info.type) && /^-?\d+(?:\.\d+)?$/.test(p.value);
      // Dates and years compare as text in ISO form; numbers as numbers; everything else as a quoted string.
      const value = numeric ? p.value : `'${p.value.replaceAll("'", "''")}'`;
      const lhs =
        numeric || !info || TEXT_TYPES.test(info.type) ? quote(col) : `CAST(${quote(col)} AS VARCHAR)`;
      // "only the year 2005" on a date column: the dates that start with it.
      const cond =
        p.timeColumn && p.cmp === '=' && !numeric
          ? `${lhs} LIKE '${p.value.replaceAll("'", "''")}%'`
          : `${lhs} ${p.cmp === '!=' ? '<>' : p.cmp} ${value}`;
      ops.push({ op: 'filter', where: p.keep ? cond : `NOT (${cond})` });
      notes.push(`rows are ${p.keep ? 'kept' : 'dropped'} where ${cond}`);
    } else if (p.op === 'dropna') {
      const cols = data?.columns.filter((c) => c.nulls > 0).map((c) => c.name) ?? [];
      if (cols.length)
        ops.push({ op: 'filter', where: cols.map((c) => `${quote(c)} IS NOT NULL`).join(' AND ') });
      else notes.push('no column has missing values, so no rows are dropped for them');
    } else if (p.op === 'derive') {
      // "pop_m = pop / 1000000": each name in the expression must be a column (or an earlier derived one).
      const known = [...columns, ...ops.flatMap((o) => (o.op === 'derive' ? [o.name as string] : []))];
      let missing: string | undefined;
      // A quoted run of words is one column ("Worldwide Gross"); a word before "(" is a function (ln, sqrt).
      const expr = p.expr.replace(/"([^"]+)"|\b([A-Za-z_]\w*)\b(?!\s*\()/g, (_all, quoted, word) => {
        const name = (quoted ?? word) as string;
        const col =
          known.find((c) => c.toLowerCase() === name.toLowerCase()) ??
          matchColumn(name, known)?.column ??
          shortFor(name, known);
        if (!col) missing ??= name;
        return col ? quote(col) : quoted ? `"${name}"` : name;
      });
      if (data && missing) {
        return ask(
          `Which column is "${missing}" in ${p.name} = ${p.expr}? I could not find it in ${where}.${columnList}`,
        );
      }
      ops.push({ op: 'derive', name: p.name, expr });
    } else if (p.op === 'select') {
      if (!data) {
        notes.push(`cannot check the columns to keep ("${p.list}") before the data is read`);
        continue;
      }
      // A column derived earlier in the goal can be kept too ("then only Title and profit kept").
      const made = ops.flatMap((o) => (o.op === 'derive' ? [o.name as string] : []));
      const { found, unknown } = matchColumnList(p.list, [...columns, ...made]);
      // "keep only the Adelie penguins": rows, not columns — left to the filters.
      if (found.length === 0) {
        notes.push(`"${p.list}" names no column of ${where}, so no columns are selected`);
        continue;
      }
      // The column to predict is kept too, even when the list leaves it out.
      if (target && !found.includes(target)) {
        found.push(target);
        notes.push(`"${target}" is kept as well: it is the column to predict`);
      }
      if (unknown.length) notes.push(`ignored unknown column(s) to keep: ${unknown.join(', ')}`);
      ops.push({ op: 'select', columns: found });
    } else if (p.op === 'drop') {
      if (!data) {
        notes.push(`cannot check the columns to drop ("${p.list}") before the data is read`);
        continue;
      }
      const { found, unknown } = matchColumnList(p.list, columns);
      if (found.length === 0) {
        return ask(`Which columns should be dropped? I could not find "${p.list}" in ${where}.${columnList}`);
      }
      if (target && found.includes(target)) {
        return ask(
          `You asked to drop "${target}", which is also the column to predict. Should it be dropped or predicted?`,
        );
      }
      if (unknown.length) notes.push(`ignored unknown column(s) to drop: ${unknown.join(', ')}`);
      ops.push({ op: 'drop', columns: found });
    } else if (p.op === 'impute') {
      const only = p.list && data ? matchColumnList(p.list, columns).found : [];
      ops.push({
        op: 'impute',
        ...(only.length ? { columns: only } : {}),
        strategy: p.strategy,
        ...(p.strategy === 'constant' ? { value: p.value ?? 0 } : {}),
      });
    } else if (p.op === 'scale') {
      const cols =
        data?.columns.filter((c) => feature(c) && NUMERIC_TYPES.test(c.type)).map((c) => c.name) ?? [];
      if (cols.length) ops.push({ op: 'scale', columns: cols, method: p.method });
      else notes.push('no numeric feature columns to scale');
    } else if (p.op === 'clip') {
      const numeric =
        data?.columns.filter((c) => feature(c) && NUMERIC_TYPES.test(c.type)).map((c) => c.name) ?? [];
      const named = p.list ? matchColumnList(p.list, numeric).found : [];
      const cols = named.length ? named : numeric;
      // Fixed bounds fit only the columns named: never every numeric column.
      if (p.lower !== undefined && named.length === 0) {
        notes.push(`no numeric column "${p.list}" to clip to ${p.lower}..${p.upper}`);
        continue;
      }
      const bounds =
        p.lower !== undefined && p.upper !== undefined
          ? { lower: p.lower, upper: p.upper }
          : { quantiles: p.quantiles ?? [0.01, 0.99] };
      if (cols.length) ops.push({ op: 'clip', columns: cols, ...bounds });
    } else if (p.op === 'cast') {
      const found = data ? matchColumnList(p.list, columns).found : [];
      if (found.length) ops.push({ op: 'cast', types: Object.fromEntries(found.map((c) => [c, p.type])) });
      else notes.push(`no column "${p.list}" to cast to ${p.type}`);
    } else if (p.op === 'aggregate') {
      const sql = aggregateSql(p, data, target, where, columnList, notes);
      if (sql && 'clarify' in sql) return sql;
      if (sql) ops.push(sql.op);
    } else if (p.op === 'onehot') {
      let cols: string[] = [];
      if (p.list && data) cols = matchColumnList(p.list, columns).found.filter((c) => c !== target);
      if (cols.length === 0) {
        cols =
          data?.columns
            .filter((c) => feature(c) && /^VARCHAR/.test(c.type) && c.distinct <= 50)
            .map((c) => c.name) ?? [];
      }
      for (const c of cols) ops.push({ op: 'onehot', column: c });
      if (cols.length === 0) notes.push('no categorical columns to one-hot encode');
    }
  }
  const dropIdx = ops.findIndex((o) => o.op === 'drop');
  const dropped = new Set(dropIdx >= 0 ? ((ops[dropIdx] as { columns: string[] }).columns ?? []) : []);
  // Statistics-based ops must not touch dropped columns.
  for (const o of ops) {
    if (Array.isArray(o.columns) && o.op !== 'drop')
      o.columns = (o.columns as string[]).filter((c) => !dropped.has(c));
  }
  const cleanOps = ops
    .filter((o) => !Array.isArray(o.columns) || (o.columns as string[]).length > 0)
    .filter((o) => !(o.op === 'onehot' && dropped.has(o.column as string)));
  return { ops: cleanOps };
}
