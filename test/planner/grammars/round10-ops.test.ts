/** Round 10 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseOutput } from '../../../agents/planner/offline/output-path.ts';

describe('where scored rows go, said with a participle or "going to"', () => {
  it.each([
    ['give me the penguin model estimates for data/p.csv, saved into the preds/ directory', 'preds/'],
    ['run the flights model over data/f.json, results placed in the results/ folder', 'results/'],
    ['its predictions for data/q.csv, written to out/q.parquet please', 'out/q.parquet'],
    ['score data/x.csv with the cars model, output going to scores/', 'scores/'],
    ['label data/t.csv using the router, predictions heading to out/labels/', 'out/labels/'],
  ])('%s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
  it('a dataset read from a folder is no output', () => {
    expect(parseOutput('train on data/cars.json, loaded from the data/ folder')).toBeUndefined();
    expect(parseOutput('the model going to production is cars-mpg')).toBeUndefined();
  });
});
