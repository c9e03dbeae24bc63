/** Which columns monitor.drift compares and how; schema differences become findings, not errors. */
import type { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { ident } from '../lib/duckdb.ts';
import type { DriftFinding } from './drift-alert.ts';
import type { FeatureType, Input } from './drift-schema.ts';

export interface PlannedColumn {
  name: string;
  type: FeatureType;
  /** SQL that yields the column as DOUBLE (numeric) or VARCHAR (categorical). */
  expr: string;
}

type ColumnKind = FeatureType | 'temporal';

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TEMPORAL_TYPE = /^(DATE|TIME.*|TIMESTAMP.*|INTERVAL)$/;

function kindOf(duckType: string): ColumnKind {
  if (NUMERIC_TYPE.test(duckType)) return 'numeric';
  if (TEMPORAL_TYPE.test(duckType)) return 'temporal';
  return 'categorical';
}

/** Decides which columns to compare and how; schema differences become findings, not errors. */
export function planColumns(
  input: z.output<typeof Input>,
  refCols: { name: string; type: string }[],
  curCols: { name: string; type: string }[],
): { plan: PlannedColumn[]; findings: DriftFinding[] } {
  const refTypes = new Map(refCols.map((c) => [c.name, c.type]));
  const curTypes = new Map(curCols.map((c) => [c.name, c.type]));
  const findings: DriftFinding[] = [];

  const problems: string[] = [];
  for (const name of input.columns ?? []) {
    if (!refTypes.has(name)) problems.push(`columns: "${name}" is not a reference column`);
  }
  for (const [name, o] of Object.entries(input.features)) {
    if (!refTypes.has(name)) problems.push(`features.${name}: not a reference column`);
    const type = o.type ?? (refTypes.has(name) ? kindOf(refTypes.get(name) as string) : undefined);
    if (o.method === 'ks' || o.method === 'wasserstein') {
      if (type === 'categorical')
        problems.push(`features.${name}.method: ${o.method} needs a numeric column`);
    }
    if (o.method === 'chisquare' && type !== 'categorical') {
      problems.push(`features.${name}.method: chisquare needs a categorical column`);
    }
  }
  if (problems.length > 0) {
    throw userError(
      'DRIFT_BAD_COLUMNS',
      `monitor.drift settings name ${problems.length} problem(s)`,
      problems.join('; '),
      `Reference columns are: ${refCols.map((c) => c.name).join(', ')}.`,
      { problems: problems.map((p) => ({ path: p.split(':')[0], message: p })) },
    );
  }

  const explicit = input.columns !== undefined;
  const names = input.columns ?? refCols.filter((c) => kindOf(c.type) !== 'temporal').map((c) => c.name);
  const plan: PlannedColumn[] = [];
  for (const name of names) {
    const refType = refTypes.get(name) as string;
    const curType = curTypes.get(name);
    if (curType === undefined) {
      findings.push({
        kind: 'missing_in_current',
        column: name,
        severity: 'critical',
        message: `Column "${name}" (${refType}) is in the reference but missing from the current data.`,
      });
      continue;
    }
    const override = input.features[name]?.type;
    const refKind = kindOf(refType);
    const curKind = kindOf(curType);
    if (refKind !== curKind && !override) {
      findings.push({
        kind: 'type_changed',
        column: name,
        severity: 'critical',
        message: `Column "${name}" changed type from ${refType} (${refKind}) to ${curType} (${curKind}); not compared.`,
      });
      continue;
    }
    if (refType !== curType) {
      findings.push({
        kind: 'type_changed',
        column: name,
        severity: 'warning',
        message: `Column "${name}" changed type from ${refType} to ${curType}; compared as ${override ?? refKind}.`,
      });
    }
    const type: FeatureType = override ?? (refKind === 'categorical' ? 'categorical' : 'numeric');
    const col = ident(name);
    const asNumber = refKind === 'temporal' ? `epoch(${col})` : `CAST(${col} AS DOUBLE)`;
    plan.push({
      name,
      type,
      expr: type === 'numeric' ? `coalesce(${asNumber}, 'NaN'::DOUBLE)` : `CAST(${col} AS VARCHAR)`,
    });
  }
  if (!explicit) {
    for (const c of curCols) {
      if (!refTypes.has(c.name)) {
        findings.push({
          kind: 'new_in_current',
          column: c.name,
          severity: 'warning',
          message: `Column "${c.name}" (${c.type}) appears in the current data but not in the reference.`,
        });
      }
    }
  }
  return { plan, findings };
}
