/**
 * Sensible features by default: near-unique text columns are left out with a note, dates become calendar
 * parts, free text becomes TF-IDF (named in textColumns, or detected), in both the builtin and the sklearn
 * path, saved with the model and replayed when the model serves; and a fit that is degenerate says so.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isPipewrightError } from '../../src/errors.ts';
import { dateParts, fitPreprocessing, validateRows } from '../../tools/lib/features.ts';
import { loadModel } from '../../tools/lib/model.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { type TrainOutput, trainTabular } from '../../tools/train/tabular.ts';
import { makeTaskContext, type TestContext } from '../helpers/task-context.ts';
import { cars, datasetFrom, vegaFile } from './helpers.ts';

let ctx: TestContext;
let car: DatasetRef;
let tickets: DatasetRef;

const train = (input: Record<string, unknown>): Promise<TrainOutput> =>
  trainTabular.run(trainTabular.input.parse({ folds: 3, ...input }), ctx);

async function errorOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isPipewrightError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

/** Support tickets whose queue shows in the words of their body (and not in the priority). */
function ticketsCsv(file: string): void {
  const words: Record<string, string[]> = {
    billing: ['refund', 'invoice', 'charged', 'twice', 'payment', 'card', 'price', 'receipt'],
    account: ['password', 'login', 'reset', 'locked', 'email', 'username', 'sign', 'verification'],
    shipping: ['parcel', 'delivery', 'late', 'tracking', 'courier', 'address', 'arrived', 'damaged'],
  };
  const filler = ['please', 'help', 'hello', 'thanks', 'since', 'yesterday', 'my', 'the', 'order', 'again'];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = (xs: string[]) => xs[Math.floor(rand() * xs.length)] as string;
  const lines = ['id,priority,body,queue'];
  for (let i = 0; i < 240; i++) {
    const queue = pick(Object.keys(words));
    const body = Array.from({ length: 9 }, (_, j) =>
      j % 3 === 0 ? pick(words[queue] as string[]) : pick(filler),
    ).join(' ');
    lines.push(`${i},${pick(['low', 'high'])},"${body}",${queue}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

beforeAll(async () => {
  ctx = makeTaskContext();
  car = await cars(ctx.workspace);
  const csv = path.join(ctx.workspace, 'tickets.csv');
  ticketsCsv(csv);
  tickets = await datasetFrom(csv, ctx.workspace, 'tickets', 'SELECT priority, body, queue FROM src');
}, 60_000);
afterAll(() => rmSync(ctx.workspace, { recursive: true, force: true }));

describe('default features', () => {
  test('a near-unique name is left out with a note; a date becomes year, month, day, day of week', async () => {
    const out = await train({ dataset: car, target: 'Miles_per_Gallon', params: { nEstimators: 20 } });
    expect(out.features?.map((f) => f.name)).not.toContain('Name');
    expect(out.notes?.find((n) => n.startsWith('left out Name'))).toMatch(
      /near-unique \(\d+ distinct values in 406 rows\)/,
    );
    expect(out.features?.find((f) => f.name === 'Year')).toEqual({
      name: 'Year',
      type: 'DATE',
      kind: 'date',
    });
    expect(out.summary).toContain('left out: Name');
    expect(out.summary).toContain('Year (date)');
    // Recorded on the model too.
    const model = await loadModel(out.model.dir, { config: ctx.config });
    expect(model.file.featureKinds).toContainEqual({ name: 'Year', kind: 'date' });
    expect(model.file.featureNotes?.some((n) => n.startsWith('left out Name'))).toBe(true);
    // Serving replays the date parts: raw rows with a date string give the training-time predictions.
    expect(await model.predict(model.file.sample?.rows ?? [])).toEqual(model.file.sample?.predictions);
  }, 60_000);

  test('an identifier named in features is kept', async () => {
    const out = await train({
      dataset: car,
      target: 'Miles_per_Gallon',
      features: ['Name', 'Horsepower'],
      algorithm: 'decision_tree',
      maxCategories: 10,
    });
    expect(out.features?.map((f) => f.name)).toEqual(['Name', 'Horsepower']);
    expect(out.notes).toEqual([]);
  }, 60_000);

  test('dates: calendar parts as written, Monday = 0; rows with a non-date are refused', () => {
    expect(dateParts('2001-01-01 18:30:00')).toEqual({
      year: 2001,
      month: 1,
      day: 1,
      dayOfWeek: 0,
      hour: 18,
    });
    expect(dateParts('2024-06-30')).toMatchObject({ year: 2024, month: 6, day: 30, dayOfWeek: 6 });
    expect(dateParts('soon')).toBeNull();
    const problems = validateRows([{ name: 'when', type: 'TIMESTAMP' }], [{ when: 'soon' }, { when: null }]);
    expect(problems.map((p) => p.path)).toEqual(['rows[0].when']);
    const pre = fitPreprocessing(
      [{ when: '2020-01-01 10:00:00' }, { when: '2020-01-02 12:00:00' }],
      [{ name: 'when', type: 'TIMESTAMP' }],
    );
    expect(pre.columns[0]).toMatchObject({ kind: 'date' });
    const parts = pre.columns[0]?.kind === 'date' ? pre.columns[0].parts.map((p) => p.part) : [];
    expect(parts).toEqual(['year', 'month', 'day', 'dayOfWeek', 'hour']);
  });
});

describe('text columns', () => {
  for (const framework of ['builtin', 'sklearn'] as const) {
    test(`${framework}: textColumns route tickets by the words of their body, and serving applies the same TF-IDF`, async () => {
      const out = await train({
        dataset: tickets,
        target: 'queue',
        textColumns: ['body'],
        framework,
        algorithm: 'logistic_regression',
      });
      expect(out.features).toContainEqual({ name: 'body', type: 'VARCHAR', kind: 'text' });
      expect(out.metrics.accuracy).toBeGreaterThan(0.9);
      const model = await loadModel(out.model.dir, { config: ctx.config });
      try {
        const rows = [
          { priority: 'low', body: 'I was charged twice, please refund the payment' },
          { priority: 'high', body: 'cannot login, my password reset email never came' },
          { priority: 'low', body: 'the parcel tracking says delivery is late' },
        ];
        expect(await model.predict(rows)).toEqual(['billing', 'account', 'shipping']);
        if (framework === 'builtin') {
          const text = model.file.preprocessing.kind === 'tabular-v1' ? model.file.preprocessing.columns : [];
          const body = text.find((c) => c.name === 'body');
          expect(body?.kind === 'text' && body.vocabulary).toContain('refund');
        }
      } finally {
        await model.close();
      }
    }, 120_000);
  }

  test('a long free-text column is detected and read as text, with a note', async () => {
    const out = await train({ dataset: tickets, target: 'queue', algorithm: 'naive_bayes' });
    expect(out.features).toContainEqual({ name: 'body', type: 'VARCHAR', kind: 'text' });
    expect(out.notes?.find((n) => n.startsWith('body: read as text'))).toContain('words per value');
    expect(out.metrics.accuracy).toBeGreaterThan(0.8);
  }, 60_000);

  test('a text column that is not text, or not a column, is refused with every problem', async () => {
    const err = await errorOf(
      train({ dataset: car, target: 'Miles_per_Gallon', textColumns: ['Horsepower', 'Nope'] }),
    );
    expect(err.code).toBe('TRAIN_BAD_FEATURES');
    expect(err.why).toContain('"Horsepower" has type');
    expect(err.why).toContain('"Nope" is not a column');
  });
});

describe('degenerate fits', () => {
  test('one class predicted for every row is a warning', async () => {
    const skewed = await datasetFrom(
      vegaFile('penguins.json'),
      ctx.workspace,
      'skewed',
      "SELECT Sex, CASE WHEN row_number() OVER () % 10 = 0 THEN 'rare' ELSE 'common' END AS label FROM src",
    );
    const out = await train({ dataset: skewed, target: 'label', algorithm: 'logistic_regression' });
    expect(out.warnings?.[0]).toMatch(/predicts one class \("common"\) for every holdout row/);
  }, 60_000);

  test('a singular design is a warning; an error orders of magnitude above the mean baseline fails', async () => {
    const twice = await datasetFrom(
      vegaFile('cars.json'),
      ctx.workspace,
      'twice',
      'SELECT Miles_per_Gallon, Horsepower, Weight_in_lbs, 2 * Weight_in_lbs AS weight2 FROM src',
    );
    const out = await train({ dataset: twice, target: 'Miles_per_Gallon', algorithm: 'linear_regression' });
    expect(out.warnings?.some((w) => w.startsWith('singular design: rank 3 of 4'))).toBe(true);

    // scikit-learn's least squares on every car name one-hot: the fit explodes (RMSE ~1e12).
    const err = await errorOf(
      train({
        dataset: car,
        target: 'Miles_per_Gallon',
        framework: 'sklearn',
        algorithm: 'linear_regression',
        features: [
          'Name',
          'Cylinders',
          'Displacement',
          'Horsepower',
          'Weight_in_lbs',
          'Acceleration',
          'Origin',
        ],
      }),
    );
    expect(err.code).toBe('TRAIN_DEGENERATE');
    expect(err.what).toMatch(/that of predicting the training mean/);
    expect(err.fix).toContain('Leave identifier columns out');
  }, 120_000);
});
