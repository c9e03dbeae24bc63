/**
 * monitor.drift's per-feature verdicts and the alert: a statistic against its threshold, the beyond-chance
 * guard, value findings (all missing, null surges), which unit findings stand, the summary line and the alert.
 */
import type { z } from 'zod';
import type { CategoricalComparison, NumericComparison } from '../lib/drift-compare.ts';
import type { DatasetRef } from '../lib/refs.ts';
import type { DatasetBrief, DriftAlert, DriftFinding, DriftMethod } from './drift-alert.ts';
import { nullSurge } from './drift-quality.ts';
import type { FeatureResult, ThresholdsT } from './drift-schema.ts';

/**
 * Keeps a drifted feature only when its difference is beyond chance over all the features checked. A feature
 * whose method or threshold the step set explicitly keeps its own rule (the guard is still reported).
 */
export function guardChance(f: FeatureResult, level: number, enforce: boolean): void {
  const p = f.type === 'numeric' ? (f.stats.ksPValue ?? null) : (f.stats.chiSquarePValue ?? null);
  const passed = p !== null && p < level;
  f.chance = { pValue: p, threshold: level, passed };
  // A column whose values all went missing stays drifted: there is nothing to test by chance.
  if (enforce && f.drifted && !passed && f.values.current > 0 && f.values.reference > 0) f.drifted = false;
}

/**
 * A scale or offset that explains one column is a unit or calibration change only when that column moved on
 * its own (at least twice the KS distance / total variation of every other drifted feature) or the change
 * cannot be a real one (orders of magnitude, °C ↔ °F, kelvin): when many columns moved together, a summer
 * that is 15 °C warmer is the same shape shifted, and the world is what moved.
 */
export function keepUnitFindingsThatMovedAlone(findings: DriftFinding[], features: FeatureResult[]): void {
  const movement = (f: FeatureResult) => (f.type === 'numeric' ? f.stats.ks : f.stats.totalVariation) ?? 0;
  for (let i = findings.length - 1; i >= 0; i--) {
    const f = findings[i] as DriftFinding;
    if (f.kind !== 'scale_change' && f.kind !== 'offset_change') continue;
    const detail = f.evidence?.detail ?? {};
    const factor = typeof detail.factor === 'number' ? detail.factor : 1;
    const unmistakable =
      Math.abs(Math.log10(factor)) >= 0.9 ||
      (typeof detail.unit === 'string' && /°[CF]|kelvin/.test(detail.unit));
    const own = features.find((x) => x.name === f.column);
    const others = features.filter((x) => x.drifted && x.name !== f.column).map(movement);
    const alone = own !== undefined && movement(own) >= 2 * Math.max(0, ...others);
    if (f.evidence) f.evidence.detail = { ...detail, movedAlone: alone };
    if (!unmistakable && !alone) findings.splice(i, 1);
  }
}

function defaultThreshold(method: DriftMethod, t: ThresholdsT): number {
  switch (method) {
    case 'ks':
    case 'chisquare':
      return t.pValue;
    case 'wasserstein':
      return t.wasserstein;
    case 'jensenshannon':
      return t.jensenShannon;
    case 'psi':
      return t.psi;
  }
}

/** NaN and ±Infinity are not JSON: report them as null. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function decide(
  method: DriftMethod,
  threshold: number,
  statistic: number | null,
  pValue: number | null,
  anyValues: boolean,
): boolean {
  // A column whose values all went missing has drifted as far as a column can.
  if (!anyValues) return true;
  if (method === 'ks' || method === 'chisquare') return pValue !== null && pValue < threshold;
  return statistic !== null && statistic >= threshold;
}

export function numericResult(
  name: string,
  method: DriftMethod,
  thresholdOverride: number | undefined,
  t: ThresholdsT,
  cmp: NumericComparison,
  nulls: { reference: number; current: number },
): FeatureResult {
  const threshold = thresholdOverride ?? defaultThreshold(method, t);
  const stats = {
    ks: num(cmp.ks.statistic),
    ksPValue: num(cmp.ks.pValue),
    wasserstein: num(cmp.wasserstein),
    wassersteinNormalized: num(cmp.wassersteinNormalized),
    psi: num(cmp.psi),
    jensenShannon: num(cmp.jensenShannon),
  };
  const statistic =
    method === 'ks'
      ? stats.ks
      : method === 'wasserstein'
        ? stats.wassersteinNormalized
        : method === 'psi'
          ? stats.psi
          : stats.jensenShannon;
  const pValue = method === 'ks' ? stats.ksPValue : undefined;
  const anyValues = cmp.reference.count > 0 && cmp.current.count > 0;
  const s = (x: NumericComparison['reference']) => ({
    mean: num(x.mean),
    std: num(x.std),
    min: num(x.min),
    max: num(x.max),
  });
  return {
    name,
    type: 'numeric',
    method,
    statistic,
    ...(pValue !== undefined ? { pValue } : {}),
    threshold,
    drifted: decide(method, threshold, statistic, pValue ?? null, anyValues),
    computation: cmp.computation,
    stats,
    nulls,
    values: { reference: cmp.reference.count, current: cmp.current.count },
    summary: { reference: s(cmp.reference), current: s(cmp.current) },
    ...(cmp.shape ? { shape: cmp.shape } : {}),
    chance: { pValue: null, threshold: 0, passed: false },
  };
}

export function categoricalResult(
  name: string,
  method: DriftMethod,
  thresholdOverride: number | undefined,
  t: ThresholdsT,
  cmp: CategoricalComparison,
  nulls: { reference: number; current: number },
): FeatureResult {
  const threshold = thresholdOverride ?? defaultThreshold(method, t);
  const stats = {
    chiSquare: num(cmp.chiSquare.statistic),
    chiSquarePValue: num(cmp.chiSquare.pValue),
    chiSquareDf: cmp.chiSquare.df,
    psi: num(cmp.psi),
    jensenShannon: num(cmp.jensenShannon),
    totalVariation: num(cmp.totalVariation),
  };
  const statistic =
    method === 'chisquare' ? stats.chiSquare : method === 'psi' ? stats.psi : stats.jensenShannon;
  const pValue = method === 'chisquare' ? stats.chiSquarePValue : undefined;
  const refValues = cmp.counts.reference;
  const curValues = cmp.counts.current;
  return {
    name,
    type: 'categorical',
    method,
    statistic,
    ...(pValue !== undefined ? { pValue } : {}),
    threshold,
    drifted: decide(method, threshold, statistic, pValue ?? null, refValues > 0 && curValues > 0),
    computation: 'exact',
    stats,
    nulls,
    values: { reference: refValues, current: curValues },
    chance: { pValue: null, threshold: 0, passed: false },
  };
}

export function valueFindings(
  f: FeatureResult,
  rows: { reference: number; current: number },
  nullShareIncrease: number,
): DriftFinding[] {
  if (f.values.current === 0 && f.values.reference > 0) {
    return [
      {
        kind: 'no_values',
        column: f.name,
        severity: 'critical',
        message: `Column "${f.name}" has no values in the current data (all missing).`,
        evidence: {
          statistic: 'missing share, current',
          value: 1,
          threshold: 1,
          test: 'every current value is missing',
          examples: [],
        },
      },
    ];
  }
  const surge = nullSurge(f.name, f.nulls, rows, nullShareIncrease);
  return surge ? [surge] : [];
}

export function brief(ref: DatasetRef, rows: number): z.infer<typeof DatasetBrief> {
  return { ...(ref.name ? { name: ref.name } : {}), hash: ref.hash, path: ref.path, rows };
}

export function summaryLine(
  features: FeatureResult[],
  driftedFeatures: string[],
  share: number,
  drifted: boolean,
  findings: DriftFinding[],
): string {
  const head = `${driftedFeatures.length} of ${features.length} features drifted (${(share * 100).toFixed(0)}%)`;
  const verdict = drifted ? 'dataset drift' : 'no dataset drift';
  const detail = features
    .filter((f) => f.drifted)
    .slice(0, 5)
    .map((f) => `${f.name} ${f.method}=${f.statistic === null ? 'n/a' : Number(f.statistic.toPrecision(3))}`)
    .join(', ');
  const more = driftedFeatures.length > 5 ? `, +${driftedFeatures.length - 5} more` : '';
  const quality = findings.length
    ? `; ${findings.length} data-quality finding(s): ${findings
        .slice(0, 3)
        .map((f) => `${f.column} ${f.kind}`)
        .join(', ')}`
    : '';
  return `${head}${detail ? `: ${detail}${more}` : ''} → ${verdict}${quality}`;
}

export function makeAlert(a: {
  drifted: boolean;
  features: FeatureResult[];
  findings: DriftFinding[];
  share: number;
  reference: z.infer<typeof DatasetBrief>;
  current: z.infer<typeof DatasetBrief>;
  at: string;
  summary: string;
  report: { json: string; html: string };
}): DriftAlert | null {
  const driftedFeatures = a.features.filter((f) => f.drifted);
  if (!a.drifted && driftedFeatures.length === 0 && a.findings.length === 0) return null;
  const critical = a.drifted || a.findings.some((f) => f.severity === 'critical');
  return {
    kind: 'drift',
    severity: critical ? 'critical' : 'warning',
    summary: a.summary,
    features: driftedFeatures.map((f) => ({
      name: f.name,
      method: f.method,
      statistic: f.statistic,
      threshold: f.threshold,
    })),
    findings: a.findings,
    share: a.share,
    reference: a.reference,
    current: a.current,
    report: a.report,
    at: a.at,
  };
}

export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
