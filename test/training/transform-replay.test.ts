import { describe, expect, it } from 'vitest';
import { prepTransform } from '../../tools/data/index.ts';
import { literal, withDuckDB } from '../../tools/lib/duckdb.ts';
import { applyTransform, type TransformSpec } from '../../tools/lib/transforms.ts';
import { loadModel, trainTabular } from '../../tools/training/index.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { datasetFrom, penguins, vegaFile } from './helpers.ts';

describe('prep transform saved with the model', () => {
  it('serves raw rows: the fitted scaling and imputation replay before the model predicts', async () => {
    const ctx = makeTaskContext();
    const raw = await penguins(ctx.scratchDir);
    const prepped = await prepTransform.run(
      prepTransform.input.parse({
        dataset: raw,
        ops: [
          { op: 'filter', where: '"Species" IS NOT NULL' },
          { op: 'impute', columns: ['Beak Length (mm)', 'Body Mass (g)'], strategy: 'median' },
          { op: 'scale', columns: ['Beak Length (mm)', 'Body Mass (g)'], method: 'zscore' },
        ],
      }),
      ctx,
    );
    const trained = await trainTabular.run(
      trainTabular.input.parse({
        dataset: prepped.dataset,
        transform: prepped.transform,
        target: 'Species',
        features: ['Beak Length (mm)', 'Body Mass (g)', 'Island'],
        algorithm: 'decision_tree',
        folds: 0,
      }),
      ctx,
    );
    const rawRows = await withDuckDB((db) =>
      db.all(
        `SELECT "Beak Length (mm)", "Body Mass (g)", "Island" FROM read_parquet(${literal(raw.path)}) LIMIT 40`,
      ),
    );
    const scaledRows = await withDuckDB((db) =>
      db.all(
        `SELECT "Beak Length (mm)", "Body Mass (g)", "Island" FROM read_parquet(${literal(prepped.dataset.path)}) LIMIT 40`,
      ),
    );
    // Scaled values are small; raw body masses are in the thousands: the model must see the scaled ones.
    expect(Math.abs(Number(scaledRows[0]?.['Body Mass (g)']))).toBeLessThan(5);
    const model = await loadModel(trained.model.dir, { config: ctx.config });
    try {
      const fromRaw = await model.predict(
        rawRows.map((r) => ({ ...r, 'Body Mass (g)': Number(r['Body Mass (g)']) })),
      );
      expect(model.file.inputTransform?.steps.map((st) => st.op)).toEqual(['impute', 'scale']);
      const labels = await withDuckDB((db) =>
        db.all(`SELECT "Species" FROM read_parquet(${literal(raw.path)}) LIMIT 40`),
      );
      const correct = fromRaw.filter((p, i) => p === labels[i]?.Species).length;
      expect(correct / 40).toBeGreaterThan(0.85);
    } finally {
      await model.close();
    }
  });

  it('serves raw rows whose text date column the saved transform casts, as prep.transform did', async () => {
    const ctx = makeTaskContext();
    // penguins with a text "Seen" date in the month-name form ('Nov 01 2007')
    const raw = await datasetFrom(
      vegaFile('penguins.json'),
      ctx.scratchDir,
      'penguins-seen',
      `SELECT *, strftime(DATE '2007-11-01' + (row_number() OVER () % 300)::INTEGER, '%b %d %Y') AS "Seen" FROM src WHERE "Species" IS NOT NULL`,
    );
    const prepped = await prepTransform.run(
      prepTransform.input.parse({
        dataset: raw,
        ops: [
          { op: 'cast', types: { Seen: 'DATE' } },
          { op: 'impute', columns: ['Beak Length (mm)', 'Body Mass (g)'], strategy: 'median' },
        ],
      }),
      ctx,
    );
    expect(prepped.steps[0]?.lost).toEqual([]);
    const trained = await trainTabular.run(
      trainTabular.input.parse({
        dataset: prepped.dataset,
        transform: prepped.transform,
        target: 'Species',
        features: ['Beak Length (mm)', 'Body Mass (g)', 'Island'],
        algorithm: 'decision_tree',
        folds: 0,
      }),
      ctx,
    );
    const rawRows = await withDuckDB((db) =>
      db.all(
        `SELECT "Seen", "Beak Length (mm)", "Body Mass (g)", "Island" FROM read_parquet(${literal(raw.path)}) LIMIT 30`,
      ),
    );
    const preppedRows = await withDuckDB((db) =>
      db.all(`SELECT "Seen" FROM read_parquet(${literal(prepped.dataset.path)}) LIMIT 30`),
    );
    const model = await loadModel(trained.model.dir, { config: ctx.config });
    try {
      const spec = model.file.inputTransform;
      expect(spec?.steps[0]).toEqual({ op: 'cast', types: { Seen: 'DATE' } });
      const replayed = applyTransform(spec as TransformSpec, rawRows);
      expect(String(rawRows[0]?.Seen)).toMatch(/^[A-Z][a-z]{2} \d{2} \d{4}$/);
      expect(replayed.map((r) => r.Seen)).toEqual(preppedRows.map((r) => r.Seen));
      expect(replayed[0]?.Seen).toMatch(/^2007-11-\d{2}$/);
      const predictions = await model.predict(
        rawRows.map((r) => ({
          ...r,
          'Body Mass (g)': r['Body Mass (g)'] == null ? null : Number(r['Body Mass (g)']),
        })),
      );
      expect(predictions).toHaveLength(30);
    } finally {
      await model.close();
    }
  });
});
