/**
 * The triage agent's tools: each gathers one kind of evidence about a drift alert — the drift report, the
 * current window's volume and missing values, the deployed model's lineage, recent upstream data changes,
 * and similar past incidents (earlier triages and run memory). Each is usable on its own.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../../src/config.ts';
import { userError } from '../../src/errors.ts';
import { lineageOf, searchMemory, whatIsInProduction } from '../../src/lineage/index.ts';
import { ModelRegistry, type RunStore, TriggerStore } from '../../src/store/index.ts';
import { DriftReport, type Evidence, type FeatureEvidence, type ModelEvidence } from './types.ts';

export interface AlertInput {
  report: DriftReport;
  /** <run>/<step> of the monitor.drift step, or report-<hash> for a report file. */
  ref: string;
  model?: string;
  reportJson?: string;
}

// ---- the drift report ------------------------------------------------------------------------------

/** Reads a drift report: the JSON artifact monitor.drift writes, or its step output (which points at it). */
export function readDriftReport(file: string): AlertInput {
  if (!existsSync(file)) {
    throw userError(
      'TRIAGE_REPORT_NOT_FOUND',
      `No drift report at ${file}`,
      'the file does not exist',
      'Pass the reportJson path of a monitor.drift step, or the id of the run that checked drift.',
    );
  }
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw userError(
      'TRIAGE_REPORT_INVALID',
      `${file} is not JSON`,
      undefined,
      'Pass a monitor.drift JSON report.',
    );
  }
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { ...reportFromOutput(raw, file), ref: `report-${hash}`, reportJson: file };
}

/** A monitor.drift step output (or report) → the report, preferring the JSON artifact (it has histograms). */
export function reportFromOutput(output: unknown, source = 'the drift output'): Omit<AlertInput, 'ref'> {
  const o = output as { reportJson?: unknown } | null;
  if (o && typeof o.reportJson === 'string' && existsSync(o.reportJson)) {
    const full = DriftReport.safeParse(JSON.parse(readFileSync(o.reportJson, 'utf8')));
    if (full.success) {
      // The artifact's dataset briefs lack paths; the step output has them.
      const out = DriftReport.safeParse(output);
      const report = out.success
        ? {
            ...full.data,
            reference: { ...full.data.reference, ...out.data.reference },
            current: { ...full.data.current, ...out.data.current },
          }
        : full.data;
      return { report, reportJson: o.reportJson };
    }
  }
  const r = DriftReport.safeParse(output);
  if (!r.success) {
    throw userError(
      'TRIAGE_REPORT_INVALID',
      `${source} is not a drift report`,
      r.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; '),
      'Pass the JSON report of a monitor.drift step (its reportJson output).',
    );
  }
  return { report: r.data };
}

const round = (x: number, d = 3) => Number(x.toPrecision(d));

/** KS distance (numeric) or total variation of shares (categorical) from the report's statistics. */
function movementOf(f: DriftReport['features'][number]): number | null {
  const stats = (f as { stats?: Record<string, unknown> }).stats ?? {};
  const v = f.type === 'numeric' ? stats.ks : stats.totalVariation;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  // Older reports: the categorical shares of the display histogram.
  const d = f.display;
  if (f.type === 'categorical' && d) {
    let tv = 0;
    d.reference.forEach((r, i) => {
      tv += Math.abs(r - (d.current[i] ?? 0));
    });
    return tv / 2;
  }
  return null;
}

/** Tool: which features drifted and by how much. */
export function driftEvidence(report: DriftReport): FeatureEvidence[] {
  return report.features.map((f) => {
    const e: FeatureEvidence = {
      name: f.name,
      type: f.type,
      drifted: f.drifted,
      method: f.method,
      statistic: f.statistic,
      threshold: f.threshold,
      nulls: f.nulls,
      change: '',
      movement: movementOf(f),
    };
    if (f.summary) e.summary = f.summary;
    const r = f.summary?.reference;
    const c = f.summary?.current;
    if (f.type === 'numeric' && r?.mean != null && c?.mean != null) {
      const ratio = r.mean !== 0 ? ` (×${round(c.mean / r.mean)})` : '';
      e.change = `mean ${round(r.mean)} → ${round(c.mean)}${ratio}${
        r.std != null && c.std != null ? `, std ${round(r.std)} → ${round(c.std)}` : ''
      }`;
    }
    const d = f.display;
    if (f.type === 'categorical' && d?.categories) {
      const share = (xs: number[]) => {
        const total = xs.reduce((s, x) => s + x, 0) || 1;
        return Object.fromEntries((d.categories ?? []).map((k, i) => [k, (xs[i] ?? 0) / total]));
      };
      e.categories = { reference: share(d.reference), current: share(d.current) };
      const moved = Object.keys(e.categories.current)
        .map((k) => ({ k, d: (e.categories?.current[k] ?? 0) - (e.categories?.reference[k] ?? 0) }))
        .sort((a, b) => Math.abs(b.d) - Math.abs(a.d))
        .slice(0, 3);
      e.change = moved.map((m) => `${m.k} ${m.d >= 0 ? '+' : ''}${(m.d * 100).toFixed(0)} pts`).join(', ');
    }
    if (!e.change)
      e.change = `${f.method} ${f.statistic === null ? 'n/a' : round(f.statistic)} vs ${f.threshold}`;
    return e;
  });
}

// ---- the current window ----------------------------------------------------------------------------

/** Tool: rows and missing-value shares of the current window, and the months each side covers (if dated). */
export async function windowEvidence(report: DriftReport): Promise<Evidence['window']> {
  const nullRates = Object.fromEntries(report.features.map((f) => [f.name, f.nulls.current]));
  const window: Evidence['window'] = { rows: report.current.rows, nullRates };
  const cur = report.current.path;
  const ref = report.reference.path;
  if (!cur || !existsSync(cur)) return window;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const all = async (sql: string) =>
    (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const id = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const months = async (file: string): Promise<number[] | undefined> => {
    const cols = await all(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`);
    const dated = cols.find((c) => /^(DATE|TIMESTAMP)/.test(String(c.column_type)));
    if (!dated) return undefined;
    const rows = await all(
      `SELECT DISTINCT month(${id(String(dated.column_name))}) AS m FROM read_parquet(${lit(file)}) WHERE ${id(String(dated.column_name))} IS NOT NULL ORDER BY m`,
    );
    return rows.map((r) => Number(r.m));
  };
  try {
    const cols = await all(`DESCRIBE SELECT * FROM read_parquet(${lit(cur)})`);
    if (cols.length) {
      const nulls = cols.map(
        (c) =>
          `avg(CASE WHEN ${id(String(c.column_name))} IS NULL THEN 1.0 ELSE 0.0 END) AS ${id(String(c.column_name))}`,
      );
      const [row] = await all(
        `SELECT count(*) AS __rows, ${nulls.join(', ')} FROM read_parquet(${lit(cur)})`,
      );
      if (row) {
        window.rows = Number(row.__rows);
        for (const c of cols)
          window.nullRates[String(c.column_name)] = round(Number(row[String(c.column_name)] ?? 0));
      }
    }
    const m = await months(cur);
    if (m) window.months = m;
    if (ref && existsSync(ref)) {
      const rm = await months(ref);
      if (rm) window.referenceMonths = rm;
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return window;
}

// ---- the deployed model ------------------------------------------------------------------------------

/** Tool: the deployed model's lineage — version, training data, when trained, who approved, earlier versions. */
export function modelEvidence(store: RunStore, name: string): ModelEvidence | 'missing' {
  const registry = new ModelRegistry(store.db);
  if (!registry.hasModel(name)) return 'missing';
  const versions = registry.listVersions(name).sort((a, b) => a.version - b.version);
  const prod = whatIsInProduction(store).find((e) => e.model === name);
  const version = prod?.version ?? registry.getAliases(name).production ?? versions.at(-1)?.version;
  const v = versions.find((x) => x.version === version);
  const training = prod?.trainingData[0];
  const out: ModelEvidence = {
    name,
    approvedBy: (prod?.approvals ?? [])
      .filter((a) => a.approved)
      .map((a) => `${a.by ?? 'unknown'}${a.step ? ` (step ${a.step}` : ' ('}${a.at ? ` at ${a.at}` : ''})`),
    previousVersions: versions
      .filter((x) => version !== undefined && x.version < version)
      .map((x) => ({
        version: x.version,
        createdAt: x.createdAt,
        ...(x.datasetHash ? { datasetHash: x.datasetHash } : {}),
      })),
  };
  if (version !== undefined) out.version = version;
  if (v) {
    out.trainedAt = v.createdAt;
    if (v.runId) out.trainingRunId = v.runId;
    if (v.datasetHash) out.trainingDataHash = v.datasetHash;
    const label = v.dataset?.name ?? v.dataset?.version ?? v.datasetVersion;
    if (label) out.trainingData = String(label);
  }
  if (training) out.trainingData = training.label;
  if (prod?.deployedAt) out.deployedAt = prod.deployedAt;
  if (prod?.deployedBy) out.deployedBy = prod.deployedBy;
  return out;
}

/** Tool: dataset versions recorded after the model was trained with the training data's name, and how they differ. */
export function upstreamEvidence(store: RunStore, model: ModelEvidence | undefined): Evidence['upstream'] {
  if (!model?.trainedAt) return [];
  const L = lineageOf(store);
  const training = model.trainingDataHash
    ? L.getEntity(`dataset:${model.trainingDataHash.slice(0, 12)}`)
    : undefined;
  const name = training?.attrs.name;
  if (typeof name !== 'string') return [];
  const baseCols = new Set(
    Array.isArray(training?.attrs.columns) ? (training.attrs.columns as string[]) : [],
  );
  return L.listEntities({ kind: 'dataset', limit: 500 })
    .filter((d) => d.attrs.name === name && d.id !== training?.id && d.createdAt > (model.trainedAt ?? ''))
    .slice(0, 5)
    .map((d) => {
      const cols = Array.isArray(d.attrs.columns) ? (d.attrs.columns as string[]) : [];
      const added = cols.filter((c) => !baseCols.has(c));
      const removed = [...baseCols].filter((c) => !cols.includes(c));
      const rows = typeof d.attrs.rows === 'number' ? d.attrs.rows : undefined;
      const change = [
        added.length ? `columns added: ${added.join(', ')}` : '',
        removed.length ? `columns removed: ${removed.join(', ')}` : '',
        rows !== undefined && typeof training?.attrs.rows === 'number'
          ? `${training.attrs.rows} → ${rows} rows`
          : '',
      ]
        .filter(Boolean)
        .join('; ');
      return {
        dataset: d.label,
        createdAt: d.createdAt,
        ...(rows !== undefined ? { rows } : {}),
        change: change || 'new version',
      };
    });
}

/** Tool: earlier triages of this model (and, with a config, run memory about triages) and how they ended. */
export async function similarIncidents(
  store: RunStore,
  opts: { model?: string; columns: string[]; exclude?: string; config?: Config },
): Promise<Evidence['similar']> {
  const triages: Evidence['similar'] = new TriggerStore(store.db)
    .listTriages({ ...(opts.model ? { model: opts.model } : {}), limit: 20 })
    .filter((t) => t.alertKey !== opts.exclude)
    .map((t) => ({
      id: t.id,
      at: t.createdAt,
      classification: t.classification,
      action: t.action,
      status: t.status,
      summary: String(
        (t.triage.evidence as { alert?: { summary?: string } } | undefined)?.alert?.summary ?? '',
      ),
      overlap: opts.columns.filter((c) =>
        ((t.triage.verdict as { columns?: string[] } | undefined)?.columns ?? []).includes(c),
      ).length,
    }))
    .sort((a, b) => b.overlap - a.overlap || b.at.localeCompare(a.at))
    .slice(0, 5)
    .map(({ overlap: _overlap, ...rest }) => rest);
  if (!opts.config) return triages;
  try {
    const hits = await searchMemory(
      opts.config,
      `drift triage ${opts.model ?? ''} ${opts.columns.join(' ')}`,
      {
        filter: "pipeline LIKE 'triage-%' AND kind = 'run'",
        limit: 3,
      },
    );
    for (const h of hits) {
      if (triages.some((t) => h.text.includes(t.id))) continue;
      const m = /classification=(\w+).*?action=(\w+)/.exec(h.text);
      triages.push({
        id: h.run_id,
        at: h.time,
        classification: m?.[1] ?? 'unknown',
        action: m?.[2] ?? 'unknown',
        status: h.status,
        summary: h.text.slice(0, 160),
      });
    }
  } catch {
    // Memory is optional evidence: an unreadable memory leaves the triage history alone.
  }
  return triages;
}
