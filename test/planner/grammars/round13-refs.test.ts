/** Round 13 references, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseOutput } from '../../../agents/planner/offline/output-path.ts';

describe("a folder path's sentence full stop is no part of it", () => {
  it.each([
    ['Predict with flights-delay on data/f.json. Output: preds/flights/. Thanks.', 'preds/flights/'],
    ['score data/x.csv with churn-model and write the scores to out/churn/.', 'out/churn/'],
    ['Run price-model over data/p.csv. Destination: results/p/.', 'results/p/'],
  ])('%s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
  it.each([
    ['score data/x.csv with m and write the scores to out/x.csv.', 'out/x.csv'],
    ['score data/x.csv with m. Output: scores/', 'scores/'],
  ])('unchanged: %s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
});
