/**
 * monitor.drift on real data: Seattle weather 2012–2015 (vega-datasets), written to Parquet with DuckDB in a
 * temporary workspace. Train on 2012–2013; summer 2015 must drift on temperature, a sample of the training
 * period must not, and injected faults must show up on the column they were injected into.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPipewrightError } from '../../src/errors.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { type DriftOutput, monitorDrift } from '../../tools/monitor/drift.ts';
import { DriftAlert } from '../../tools/monitor/drift-alert.ts';
import { makeTaskContext, makeWorkspace, type TestContext } from '../helpers/task-context.ts';

const CSV = path.resolve('node_modules/vega-datasets/data/seattle-weather.csv');
const WEATHER = `read_csv(${sqlString(CSV)})`;
const TRAIN = `SELECT * FROM ${WEATHER} WHERE year(date) IN (2012, 2013)`;

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

let workspace: string;

/** Writes the rows of `sql` to <workspace>/<name>.parquet and returns its DatasetRef. */
async function dataset(name: string, sql: string): Promise<DatasetRef> {
  const file = path.join(workspace, `${name}.parquet`);
  return withDuckDB(async (db) => {
    await db.run(`COPY (${sql}) TO ${sqlString(file)} (FORMAT parquet)`);
    const rows = await db.all(`SELECT count(*) AS n FROM read_parquet(${sqlString(file)})`);
    const columns = await db.columns(`read_parquet(${sqlString(file)})`);
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
    return { path: file, hash, rows: Number(rows[0]?.n), columns, name };
  });
}

async function check(
  reference: DatasetRef,
  current: DatasetRef,
  extra: Record<string, unknown> = {},
): Promise<{ out: DriftOutput; ctx: TestContext }> {
  const ctx = makeTaskContext({ workspace });
  const input = monitorDrift.input.parse({ reference, current, ...extra });
  const out = monitorDrift.output.parse(await monitorDrift.run(input, ctx));
  return { out, ctx };
}

const feature = (out: DriftOutput, name: string) => {
  const f = out.features.find((x) => x.name === name);
  if (!f) throw new Error(`no feature ${name}`);
  return f;
};

let train: DatasetRef;

beforeAll(async () => {
  workspace = makeWorkspace('pw-drift-');
  train = await dataset('train', TRAIN);
});

describe('monitor.drift on worker threads', () => {
  it('gives the same statistics on worker threads as on the main thread (binned path)', async () => {
    const summer = await dataset(
      'summer-2015-w',
      `SELECT * FROM ${WEATHER} WHERE date BETWEEN DATE '2015-06-01' AND DATE '2015-08-31'`,
    );
    // exactMaxRows below the row counts forces the binned statistics the workers compute for large data.
    const opts = { exactMaxRows: 50, bins: 20 };
    const main = await check(train, summer, { ...opts, parallel: 'never' });
    const workers = await check(train, summer, { ...opts, parallel: 'always' });
    const numeric = (o: DriftOutput) => o.features.filter((f) => f.type === 'numeric');
    expect(numeric(workers.out).length).toBeGreaterThan(1);
    expect(numeric(workers.out).map((f) => [f.name, f.statistic, f.drifted, f.stats])).toEqual(
      numeric(main.out).map((f) => [f.name, f.statistic, f.drifted, f.stats]),
    );
    expect(workers.out.drifted).toBe(main.out.drifted);
    expect(workers.ctx.logs.map((l) => l.message)).toContain(
      'numeric columns loaded and compared on worker threads',
    );
    expect(main.ctx.logs.map((l) => l.message)).not.toContain(
      'numeric columns loaded and compared on worker threads',
    );
  }, 60_000);
});

describe('monitor.drift on Seattle weather', () => {
  it('detects temperature drift in summer 2015 against 2012–2013 (small reference: KS and chi-square)', async () => {
    const summer = await dataset(
      'summer-2015',
      `SELECT * FROM ${WEATHER} WHERE date BETWEEN DATE '2015-06-01' AND DATE '2015-08-31'`,
    );
    const { out, ctx } = await check(train, summer);
    expect(train.rows).toBe(731);
    expect(out.features.map((f) => f.name)).toEqual([
      'precipitation',
      'temp_max',
      'temp_min',
      'wind',
      'weather',
    ]);
    for (const name of ['temp_max', 'temp_min']) {
      const f = feature(out, name);
      expect(f.method).toBe('ks');
      expect(f.drifted).toBe(true);
      expect(f.pValue).toBeLessThan(1e-6);
      expect(f.computation).toBe('exact');
      expect(f.summary?.current.mean).toBeGreaterThan((f.summary?.reference.mean ?? 0) + 5);
    }
    expect(feature(out, 'weather').method).toBe('chisquare');
    expect(out.driftedFeatures).toEqual(expect.arrayContaining(['temp_max', 'temp_min']));
    expect(out.share).toBe(out.driftedFeatures.length / 5);
    expect(out.drifted).toBe(out.share >= 0.5);
    const alert = DriftAlert.parse(out.alert);
    expect(alert.kind).toBe('drift');
    expect(alert.features.map((f) => f.name)).toEqual(expect.arrayContaining(['temp_max', 'temp_min']));
    expect(alert.reference.hash).toBe(train.hash);
    expect(alert.current.rows).toBe(92);
    expect(Date.parse(alert.at)).not.toBeNaN();
    const summaryLog = ctx.logs.find((l) => l.message.startsWith('drift: '));
    expect(summaryLog?.message).toMatch(/of 5 features drifted .*temp_max ks=/);
  });

  it('finds no drift in a random sample of the training period', async () => {
    const sample = await dataset('sample', `SELECT * FROM (${TRAIN}) USING SAMPLE 250 ROWS (reservoir, 7)`);
    const { out } = await check(train, sample);
    expect(out.drifted).toBe(false);
    expect(out.driftedFeatures).toEqual([]);
    for (const f of out.features) expect(f.pValue).toBeGreaterThan(0.05);
    expect(out.findings).toEqual([]);
    expect(out.alert).toBeNull();
  });

  it('uses Wasserstein and Jensen–Shannon when the reference has more than 1000 rows', async () => {
    const all = await dataset('all', `SELECT * FROM ${WEATHER}`);
    const lateSummer = await dataset(
      'late-summer',
      `SELECT * FROM ${WEATHER} WHERE month(date) IN (7, 8) AND year(date) >= 2014`,
    );
    const { out } = await check(all, lateSummer);
    expect(feature(out, 'temp_max').method).toBe('wasserstein');
    expect(feature(out, 'temp_max').statistic).toBe(feature(out, 'temp_max').stats.wassersteinNormalized);
    expect(feature(out, 'temp_max').drifted).toBe(true);
    expect(feature(out, 'weather').method).toBe('jensenshannon');
    expect(feature(out, 'weather').threshold).toBe(0.1);
  });
});

describe('monitor.drift on injected faults', () => {
  const sampleSql = `SELECT * FROM (${TRAIN}) USING SAMPLE 300 ROWS (reservoir, 11)`;

  it('flags a unit change (wind × 10) on wind only, with the factor, the unit and example rows', async () => {
    const cur = await dataset('wind-x10', `SELECT * REPLACE (wind * 10 AS wind) FROM (${sampleSql})`);
    const { out } = await check(train, cur);
    expect(out.driftedFeatures).toEqual(['wind']);
    const wind = feature(out, 'wind');
    expect(wind.stats.ks).toBeGreaterThan(0.8);
    expect(wind.stats.wassersteinNormalized).toBeGreaterThan(5);
    expect(out.findings.map((f) => [f.kind, f.column])).toEqual([['scale_change', 'wind']]);
    const evidence = out.findings[0]?.evidence;
    expect(evidence?.value).toBeCloseTo(10, 0);
    expect(evidence?.detail?.unit).toMatch(/cm logged as mm/);
    expect(evidence?.examples).toHaveLength(3);
    expect(Number(evidence?.examples[0]?.wind)).toBeGreaterThan(50);
    expect(out.alert?.severity).toBe('critical');
    // The HTML report shows the evidence and its example rows.
    const html = readFileSync(out.reportHtml, 'utf8');
    expect(html).toMatch(
      /<li data-kind="scale_change" data-column="wind"[^>]*>.*scale factor .* = (9|10)\.\d* \(threshold 1\.5\)/,
    );
    expect(html.match(/<table class="examples">.*?<\/table>/)?.[0].match(/<tr>/g)).toHaveLength(4);
  });

  it('reports missing values appearing in precipitation as a finding on that column', async () => {
    const cur = await dataset(
      'precip-nulls',
      `SELECT * REPLACE (CASE WHEN hash(date) % 10 < 3 THEN NULL ELSE precipitation END AS precipitation)
       FROM (${sampleSql})`,
    );
    const { out } = await check(train, cur);
    const precipitation = feature(out, 'precipitation');
    expect(precipitation.nulls.reference).toBe(0);
    expect(precipitation.nulls.current).toBeGreaterThan(0.15);
    expect(out.findings).toEqual([
      expect.objectContaining({ kind: 'null_share_increase', column: 'precipitation', severity: 'warning' }),
    ]);
    expect(out.alert?.findings[0]?.column).toBe('precipitation');
  });

  it('flags a renamed category (sun → sunny) on weather', async () => {
    const cur = await dataset(
      'renamed',
      `SELECT * REPLACE (CASE WHEN weather = 'sun' THEN 'sunny' ELSE weather END AS weather) FROM (${sampleSql})`,
    );
    const { out } = await check(train, cur);
    expect(out.driftedFeatures).toEqual(['weather']);
    const weather = feature(out, 'weather');
    expect(weather.method).toBe('chisquare');
    expect(weather.pValue).toBeLessThan(1e-10);
    expect(weather.stats.chiSquareDf).toBe(5);
  });

  it('reports a missing column and a changed type as findings, not a crash', async () => {
    const cur = await dataset(
      'schema',
      `SELECT date, precipitation, temp_max, CAST(temp_min AS VARCHAR) AS temp_min, weather, 1 AS source
       FROM (${sampleSql})`,
    );
    const { out } = await check(train, cur);
    expect(out.features.map((f) => f.name)).toEqual(['precipitation', 'temp_max', 'weather']);
    expect(out.findings.map((f) => [f.kind, f.column, f.severity])).toEqual([
      ['type_changed', 'temp_min', 'critical'],
      ['missing_in_current', 'wind', 'critical'],
      ['new_in_current', 'source', 'warning'],
    ]);
    expect(out.alert?.severity).toBe('critical');
  });
});

describe('monitor.drift settings', () => {
  it('honours a per-feature method and threshold, and column selection', async () => {
    const sample = await dataset('settings', `SELECT * FROM (${TRAIN}) USING SAMPLE 250 ROWS (reservoir, 7)`);
    const { out } = await check(train, sample, {
      columns: ['temp_max', 'weather'],
      features: { temp_max: { method: 'psi', threshold: 1e-9 } },
    });
    expect(out.features.map((f) => [f.name, f.method])).toEqual([
      ['temp_max', 'psi'],
      ['weather', 'chisquare'],
    ]);
    expect(feature(out, 'temp_max').threshold).toBe(1e-9);
    expect(feature(out, 'temp_max').drifted).toBe(true);
    expect(out.share).toBe(0.5);
    expect(out.drifted).toBe(true);
  });

  it('names every bad setting at once', async () => {
    const err = await check(train, train, {
      columns: ['temp_max', 'humidity'],
      features: { weather: { method: 'ks' }, pressure: { method: 'psi' } },
    }).catch((e: unknown) => e);
    expect(isPipewrightError(err)).toBe(true);
    if (!isPipewrightError(err)) return;
    expect(err.code).toBe('DRIFT_BAD_COLUMNS');
    expect(err.why).toContain('"humidity"');
    expect(err.why).toContain('features.weather.method');
    expect(err.why).toContain('features.pressure');
  });
});

describe('drift reports', () => {
  it('writes a JSON report and a self-contained HTML report with one SVG per feature', async () => {
    const summer = await dataset(
      'summer-2015-report',
      `SELECT * FROM ${WEATHER} WHERE date BETWEEN DATE '2015-06-01' AND DATE '2015-08-31'`,
    );
    const { out } = await check(train, summer);
    const html = readFileSync(out.reportHtml, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg\b/g)?.length).toBe(out.features.length);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    for (const f of out.features) {
      const row = html.match(new RegExp(`<tr data-feature="${f.name}" data-statistic="([^"]*)"[^>]*>`));
      expect(row?.[1]).toBe(String(f.statistic));
      expect(row?.[0]).toContain(`data-drifted="${f.drifted}"`);
    }
    expect(html).toContain(`data-drifted="${out.drifted}"`);
    const json = JSON.parse(readFileSync(out.reportJson, 'utf8'));
    expect(json.features).toHaveLength(out.features.length);
    const tempMax = json.features.find((f: { name: string }) => f.name === 'temp_max');
    expect(tempMax.display.reference.reduce((s: number, x: number) => s + x, 0)).toBeCloseTo(1, 9);
    expect(tempMax.display.edges).toHaveLength(25);
    expect(out.alert?.report.html).toBe(out.reportHtml);
    // Named copies with an extension in the state folder, so a browser and `triage <path>.json` take them.
    expect(out.reportHtml).toMatch(/[/\\]artifacts[/\\]reports[/\\]drift-[0-9a-f]{16}\.html$/);
    expect(out.reportJson).toMatch(/[/\\]artifacts[/\\]reports[/\\]drift-[0-9a-f]{16}\.json$/);
  });
});

describe('monitor.drift beyond the distribution tests', () => {
  it('keeps one of many features from drifting by chance (Bonferroni over the features checked)', async () => {
    const year = await dataset('chance', `SELECT * FROM ${WEATHER} WHERE year(date) = 2015`);
    const { out } = await check(train, year, { thresholds: { pValue: 0.9 } });
    // At p < 0.9 every feature "drifts" on its own; beyond chance over five features (p < 0.18) fewer do.
    for (const f of out.features) {
      expect(f.chance.threshold).toBeCloseTo(0.9 / out.features.length, 12);
      expect(f.drifted).toBe(f.chance.passed && (f.pValue ?? 1) < 0.9);
    }
    expect(out.features.some((f) => (f.pValue ?? 1) < 0.9 && !f.drifted)).toBe(true);
  });

  it('counts duplicated rows and compares the window with the same months of the reference', async () => {
    const summer = `SELECT * FROM ${WEATHER} WHERE date BETWEEN DATE '2014-06-01' AND DATE '2014-08-31'`;
    const cur = await dataset('dup-summer', `${summer} UNION ALL ${summer} AND dayofmonth(date) <= 15`);
    const { out } = await check(train, cur);
    const dup = out.findings.find((f) => f.kind === 'duplicate_rows');
    expect(dup?.evidence?.value).toBeCloseTo(45 / 137, 2);
    expect(Number(dup?.evidence?.examples[0]?.['(copies)'])).toBe(2);
    expect(out.season).toMatchObject({
      column: 'date',
      currentMonths: [6, 7, 8],
      referenceMonths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      // The same dates in every earlier year: the summers of 2012 and 2013, not the last one alone.
      baseline: { rows: 184, years: [2012, 2013], lastYear: false, wholeReference: false },
    });
    expect(out.driftedFeatures).toEqual(expect.arrayContaining(['temp_max', 'temp_min']));
    expect(out.season?.drifted).not.toContain('temp_min');
  });

  it('compares a window with the year before when the reference has one earlier year', async () => {
    const y2013 = await dataset('season-2013', `SELECT * FROM ${WEATHER} WHERE year(date) = 2013`);
    const summerOf = (year: number) =>
      dataset(
        `season-${year}-summer`,
        `SELECT * FROM ${WEATHER} WHERE month(date) IN (6, 7, 8) AND year(date) = ${year}`,
      );
    const { out } = await check(y2013, await summerOf(2014));
    expect(out.season?.baseline).toEqual({ rows: 92, years: [2013], lastYear: true, wholeReference: false });
    // No earlier summer at all: the same months of the reference, whatever year they are in.
    const { out: inside } = await check(y2013, await summerOf(2013));
    expect(inside.season?.baseline).toEqual({
      rows: 92,
      years: [2013],
      lastYear: false,
      wholeReference: false,
    });
  });

  it('gives a type change its share of unreadable values and example rows', async () => {
    const cur = await dataset(
      'hp-text',
      `SELECT * REPLACE (CAST(wind AS VARCHAR) || ' m/s' AS wind) FROM (${TRAIN}) LIMIT 100`,
    );
    const { out } = await check(train, cur);
    const f = out.findings.find((x) => x.kind === 'type_changed');
    expect(f?.evidence).toMatchObject({ value: 1, threshold: 0 });
    expect(String(f?.evidence?.examples[0]?.wind)).toMatch(/ m\/s$/);
  });
});
