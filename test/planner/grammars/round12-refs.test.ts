/** Round 12 references and operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseOutput } from '../../../agents/planner/offline/output-path.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const planner = populatedPlanner();

describe('an output path said as a label or a trailing participle', () => {
  it.each([
    ['Score data/q.csv with churn-model. Output file: out/churn.parquet. Nothing else.', 'out/churn.parquet'],
    ['run flights-delay over data/f.json; destination: preds/f.csv', 'preds/f.csv'],
    ['score data/z.csv with the flights model. output: z-scores.parquet.', 'z-scores.parquet'],
    ['score data/x.csv with price-model (output path = out/x.parquet)', 'out/x.parquet'],
    [
      'the churn estimates for data/c.csv, made with churn-model and written to out/c.parquet',
      'out/c.parquet',
    ],
    ['predictions for data/t.csv from the router, then saved as results/t.csv please', 'results/t.csv'],
  ])('%s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
  it.each([
    'train on data/cars.json and written reports go to the team',
    'read data/x.csv, output is a model',
    'load data/a.csv and saved views stay as they are',
  ])('no output: %s', (goal) => {
    expect(parseOutput(goal)).toBeUndefined();
  });
  it('a scoring plan reads the input, not the output', async () => {
    const plan = await planner.planOf(
      'Score data/new-cars.json with cars-mpg v2. Output file: preds/v2-cars.csv. No training.',
    );
    expect(taskStep(plan, 'ingest.file')?.with).toMatchObject({ path: 'data/new-cars.json' });
  });
});

describe('a verb before "serving metrics" is no model name', () => {
  it.each([
    'fetch serving metrics for cars-mpg over the last 12h and email ops@x.example if p95 latency > 300ms',
    'grab serving stats for cars-mpg, past 12h; if p95 latency is above 300ms send an email to ops@x.example',
    'Print serving numbers for cars-mpg, window 12h, and email ops@x.example if p95 latency > 300ms',
  ])('%s', async (goal) => {
    const plan = await planner.planOf(goal);
    expect(JSON.stringify(plan.steps)).toContain('cars-mpg');
  });
  it('a word that names a model still does', async () => {
    const plan = await planner.planOf('the cars serving report for the last 12h please');
    expect(JSON.stringify(plan.steps)).toContain('cars-mpg');
  });
});

describe('a limit on a serving report makes its message conditional', () => {
  it.each([
    ['serving numbers for cars-mpg, last 12h; if p99 latency > 250ms post to slack', 'latencyMs.p99 > 250'],
    [
      'grab serving stats for flights-delay over 3h and ping slack if the error rate is above 2%',
      'errorRate > 0.02',
    ],
  ])('%s', async (goal, cond) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'notify.send')?.when).toContain(cond);
  });
  it('no limit, no condition', async () => {
    const plan = await planner.planOf('serving numbers for cars-mpg, last 12h, post them to slack');
    expect(taskStep(plan, 'notify.send')?.when).toBeUndefined();
  });
});
