/**
 * The independent held-out set (evals/triage/heldout2.ts) is well formed: every window builds from the real
 * data, the expectations name columns the data has, controls are controls. Only the data is built here (DuckDB):
 * neither monitor.drift nor the triage runs, so the set stays unseen by tests.
 */
import { describe, expect, it } from 'vitest';
import { HELDOUT2 } from '../../evals/triage/heldout2.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';

const CAUSES: Record<string, string[]> = {
  data_quality: [
    'schema_change',
    'type_change',
    'nulls',
    'stuck_values',
    'unit_change',
    'offset_change',
    'category_variant',
    'category_renamed',
    'category_new',
    'category_vanished',
    'duplicate_rows',
  ],
  real_shift: ['quality_drop', 'seasonal_shift', 'label_shift', 'recent_deployment', 'covariate_shift'],
  noise: ['small_sample'],
  no_drift: ['none'],
};

describe('held-out 2 triage scenarios', () => {
  it('has at least 24 distinct scenarios, 5 clean controls, and causes from docs/triage.md', () => {
    expect(HELDOUT2.length).toBeGreaterThanOrEqual(24);
    expect(new Set(HELDOUT2.map((s) => s.id)).size).toBe(HELDOUT2.length);
    const controls = HELDOUT2.filter((s) => s.control);
    expect(controls.length).toBeGreaterThanOrEqual(5);
    for (const s of controls) expect(s.expect).toMatchObject({ classification: 'no_drift', action: 'none' });
    for (const s of HELDOUT2) expect(CAUSES[s.expect.classification]).toContain(s.expect.cause);
    for (const s of HELDOUT2.filter((x) => x.expect.classification === 'data_quality'))
      expect(s.expect.action).toBe('fix_upstream');
  });

  it('builds every window from the real data, and the expectations name columns the reference has', async () => {
    await withDuckDB(async (db) => {
      for (const s of HELDOUT2) {
        const rows = async (sql: string) =>
          Number((await db.all(`SELECT count(*) AS n FROM (${sql})`))[0]?.n);
        const ref = (await db.columns(`(${s.reference})`)).map((c) => c.name);
        const cur = (await db.columns(`(${s.current})`)).map((c) => c.name);
        expect(await rows(s.reference), s.id).toBeGreaterThanOrEqual(40);
        const n = await rows(s.current);
        // The tiny windows are the noise cases; every other current window has ≥ 50 rows.
        if (s.expect.classification === 'noise') expect(n, s.id).toBeLessThan(50);
        else expect(n, s.id).toBeGreaterThanOrEqual(50);
        for (const f of [...s.expect.features, ...(s.columns ?? [])])
          expect(ref, `${s.id}: ${f}`).toContain(f);
        if (s.expect.cause !== 'schema_change')
          for (const c of s.columns ?? []) expect(cur, `${s.id}: ${c}`).toContain(c);
        if (s.model) {
          for (const f of s.model.features ?? []) expect(ref, `${s.id}: ${f}`).toContain(f);
          expect(ref).toContain(s.model.target);
        }
      }
    });
    // 7 s alone; many DuckDB queries, so it can pass the 60 s default on a loaded two-core machine.
  }, 180_000);
});
