/** Round 5 gates, in other words than any eval goal: not worse than the live model; an error-rate limit. */
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../../agents/planner/offline/build.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

const whens = (goal: string, champion = { name: 'fare-model', production: 3 }) => {
  const out = buildPlan({ spec: parseGoal(goal), champion });
  if (out.kind !== 'plan') throw new Error(out.kind);
  return (out.plan.steps as { id: string; when?: string }[]).filter((s) => s.when).map((s) => s.when);
};

describe('a champion gate that allows a tie', () => {
  it.each([
    'a regressor for fare on data/t.csv and ship it as long as it is not worse than the model in prod',
    'a regressor for fare on data/t.csv; roll it out if it does at least as well as the live one',
    'a regressor for fare on data/t.csv, deploy it provided it performs on par with the current model',
    "a regressor for fare on data/t.csv and put it in production if it's no worse than what's deployed",
  ])('%s', (goal) => {
    expect(parseGoal(goal).gate).toMatchObject({ kind: 'improve', noWorse: true });
    const w = whens(goal);
    expect(w.length).toBeGreaterThan(0);
    for (const x of w) expect(x).toMatch(/outputs\.delta\.r2 >= 0/);
  });
  it('an error metric may not rise', () => {
    const w = whens(
      'a regressor for fare on data/t.csv with rmse as the metric; deploy if not worse than production',
    );
    for (const x of w) expect(x).toMatch(/outputs\.delta\.rmse <= 0/);
  });
  it('"better than production" still asks for strictly better', () => {
    const goal = 'a regressor for fare on data/t.csv and deploy it if it beats production';
    expect(parseGoal(goal).gate).not.toMatchObject({ noWorse: true });
    for (const x of whens(goal)) expect(x).not.toMatch(/delta/);
  });
  it('"at least as good as 0.8 accuracy" is a threshold', () => {
    expect(parseGoal('predict churn from data/c.csv, deploy if accuracy is at least 0.8').gate).toMatchObject(
      {
        kind: 'threshold',
      },
    );
  });
});

describe('an error-rate limit in a training goal', () => {
  it.each([
    ['classify churn in data/c.csv and ship it if the misclassification rate stays under 8%', '>', 0.92],
    ['train a classifier for churn on data/c.csv; deploy when its error rate is at most 0.1', '>=', 0.9],
    ['classify churn in data/c.csv, deploy it only with less than 3% error', '>', 0.97],
    ["classify churn in data/c.csv and don't deploy if the error rate exceeds 12 percent", '>=', 0.88],
  ])('%s', (goal, op, value) => {
    expect(parseGoal(goal).gate).toMatchObject({ kind: 'threshold', metric: 'accuracy', op, value });
  });
  it('a regression target with an error rate asks which error metric', () => {
    const out = buildPlan({
      spec: parseGoal('a regressor for fare on data/t.csv; deploy if the error rate is below 5%'),
    });
    expect(out.kind).toBe('clarify');
  });
  it('an error rate watched on a served model is no training gate', () => {
    expect(parseGoal('show me the error rate of fraud-model over the last day').gate).toBeUndefined();
    expect(
      parseGoal(
        'move 25% of churn-risk traffic to v4 for 2h and make it production unless its error rate tops 3%',
      ).gate,
    ).toBeUndefined();
    expect(
      parseGoal('canary churn-risk v4 at 5%, promote it if the error rate stays under 2%').gate,
    ).toBeUndefined();
    expect(
      parseGoal('deploy churn-risk v4 and roll back if the error rate goes over 4%').gate,
    ).toBeUndefined();
  });
});
