/**
 * Round-4 answers to "which model?": the first clause names the model, what follows changes the plan ("the
 * fraud one. look at the past 6 hours of requests"). Other words than any eval goal.
 */
import { describe, expect, it } from 'vitest';
import { applyAnswer, applyEdit } from '../../../agents/planner/edits.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

describe('an answer naming the model, then a change', () => {
  it.each([
    ['the fraud one. look at the past 6 hours of requests', ['fraud'], '6h'],
    ['churn-risk; use the last 3 days of traffic', ['churn-risk'], '3d'],
    ['the churn model, over the last 2 hours', ['churn'], '2h'],
  ])('%s', (answer, words, window) => {
    const frame = parseGoal('run a drift check on the live model');
    const next = applyAnswer(frame, 'model', answer);
    expect(next.refs.models[0]?.words).toEqual(words);
    expect(next.trafficSince).toBe(window);
  });
  it('an answer that only names the model changes nothing else', () => {
    const frame = parseGoal('run a drift check on the live model');
    const next = applyAnswer(frame, 'model', 'the fraud one');
    expect(next.refs.models[0]?.words).toEqual(['fraud']);
    expect(next.trafficSince).toBeUndefined();
  });
});

describe('edits of an operational plan', () => {
  it('a model said in a switch replaces the model the plan scores with', () => {
    const frame = parseGoal('score data/q.csv with churn-risk@production');
    const next = applyEdit(frame, 'switch to whichever churn model is in staging');
    const scorers = next.refs.models.filter((r) => r.role === 'scorer');
    expect(scorers).toHaveLength(1);
    expect(scorers[0]).toMatchObject({ words: ['churn'], alias: 'staging' });
  });
  it.each([
    ['make that 6am Berlin time', '0 6 * * *', 'Europe/Berlin'],
    ['in London time please', '0 5 * * *', 'Europe/London'],
  ])('a clock said in an edit sets the time zone: %s', (edit, cron, tz) => {
    const frame = parseGoal('every day at 5am score data/q.csv with churn-risk@production');
    const next = applyEdit(frame, edit);
    expect(next.schedule).toMatchObject({ cron, timezone: tz });
  });
});
