/** edits.ts on its own: a follow-up changes the frame of the plan shown, not more goal text. */
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../agents/planner/edits.ts';
import { parseGoal } from '../../agents/planner/offline/parse.ts';

describe('follow-ups retune what the plan already has', () => {
  it('a canary gets a new share and a new duration', () => {
    const f = parseGoal('canary churn-model version 2 on 20% of traffic for 3 hours, then promote it');
    expect(f.canary).toEqual({ share: 0.2, duration: '3h' });
    expect(applyEdit(f, 'go with 5 percent for 45 minutes').canary).toEqual({ share: 0.05, duration: '45m' });
    expect(applyEdit(f, 'a third of the requests').canary?.share).toBeCloseTo(1 / 3);
    // A threshold is not the canary's share.
    expect(applyEdit(f, 'raise the bar to 90%').canary?.share).toBe(0.2);
  });

  it('a serving report gets a new window', () => {
    const f = {
      ...parseGoal('churn-model latency'),
      operation: 'serving-metrics' as const,
      servingWindow: '1h',
    };
    expect(applyEdit(f, 'show the last 3 days instead').servingWindow).toBe('3d');
  });

  it('a schedule gets a new day or a new time of day', () => {
    const f = parseGoal('every evening at 8pm retrain on data/loans.csv for default');
    expect(f.schedule?.cron).toBe('0 20 * * *');
    expect(applyEdit(f, 'change it to 5:15').schedule?.cron).toBe('15 5 * * *');
    expect(applyEdit(f, 'make it Saturdays at 11am').schedule?.cron).toBe('0 11 * * 6');
  });
});

describe('follow-ups that add or take away', () => {
  it('a gate gets a new value, with or without naming it', () => {
    const f = parseGoal('fit a forest for default on data/loans.csv and deploy it if f1 >= 0.7');
    expect(applyEdit(f, 'lower it to 0.65').gate).toMatchObject({ metric: 'f1_macro', value: 0.65 });
    expect(applyEdit(f, 'tighten the requirement to 80%').gate).toMatchObject({ value: 0.8 });
  });

  it('an approver named as the one who signs off', () => {
    const f = parseGoal('train a tree for default on data/loans.csv and deploy it');
    const e = applyEdit(f, 'oh and maria must approve it first');
    expect(e.approval).toBe(true);
    expect(e.approvers).toEqual(['maria']);
  });

  it('a new target replaces the old one (checked against the columns when planned)', () => {
    const f = parseGoal('predict default from data/loans.csv');
    expect(applyEdit(f, 'switch the target to income').targetPhrases).toEqual(['income']);
  });

  it('"no model after all" stops the plan at the data', () => {
    const f = parseGoal('scale data/loans.csv, split it 80/20 and fit a forest for default');
    const e = applyEdit(f, 'actually no model yet, just the prep');
    expect(e.wants.train).toBe(false);
    expect(e.models).toEqual([]);
    expect(e.prep.map((p) => p.op)).toEqual(['scale']);
  });

  it('a prep step added to a data-only plan stays data-only', () => {
    const f = parseGoal('impute data/loans.csv with medians and split 60/20/20, no modelling');
    const e = applyEdit(f, 'also one-hot the state column');
    expect(e.wants.train).toBe(false);
    expect(e.prep.map((p) => p.op)).toEqual(['impute', 'onehot']);
    expect(e.validationShare).toBe(0.2);
  });

  it('"the newest data this time" and a register alias carry over', () => {
    const f = parseGoal('train a tree for default on data/loans.csv');
    expect(applyEdit(f, 'on the latest version of the data this time').refs.newestData).toBe(true);
    expect(applyEdit(f, 'and register it as candidate').registerAlias).toBe('candidate');
  });
});

describe('round 2: swaps and versions said alone', () => {
  it('"swap A for B" keeps the other models; a later drop removes the one named', () => {
    const f = parseGoal('compare knn and a gradient boosting model for churn on data/shops.csv');
    const swapped = applyEdit(f, 'replace gradient boosting with an svm');
    expect(swapped.models.map((m) => m.algorithm)).toEqual(['knn', 'svm']);
    expect(applyEdit(swapped, 'now remove knn').models.map((m) => m.algorithm)).toEqual(['svm']);
    const instead = applyEdit(f, 'try a random forest in place of knn');
    expect(instead.models.map((m) => m.algorithm)).toEqual(['gradient_boosting', 'random_forest']);
  });

  it('a version alone moves the model the plan already names', () => {
    const f = parseGoal('score data/shops.csv with shops-footfall version 2');
    expect(applyEdit(f, 'go with v4').refs.models[0]).toMatchObject({
      words: ['shops-footfall'],
      version: 4,
    });
  });
});

describe('round 2: swaps in other orders', () => {
  it('"swap in B for A" and a model named by one word of the plan', () => {
    const f = parseGoal('compare knn and a random forest for churn on data/shops.csv');
    expect(applyEdit(f, 'swap in naive bayes for knn').models.map((m) => m.algorithm)).toEqual([
      'random_forest',
      'naive_bayes',
    ]);
    expect(applyEdit(f, 'replace the forest with an svm').models.map((m) => m.algorithm)).toEqual([
      'knn',
      'svm',
    ]);
  });
});
