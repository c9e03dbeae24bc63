/** Numbers written as words wherever a number is read, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../agents/planner/offline/schedule.ts';

const cron = (goal: string) => parseSchedule(goal)?.cron;

describe('a time of day in words', () => {
  it.each([
    ['retrain the fare model every Tuesday at five', '0 5 * * 2'],
    ['score the new rows each night at eleven pm', '0 23 * * *'],
    ['refresh the data every day at half past seven', '30 7 * * *'],
    ['rebuild the features daily at six thirty in the evening', '30 18 * * *'],
    ["every weekday at nine o'clock pull the latest file", '0 9 * * 1-5'],
    ['check for drift daily at four in the morning', '0 4 * * *'],
    ['train it every Friday at ten', '0 10 * * 5'],
  ])('%s', (goal, want) => {
    expect(cron(goal)).toBe(want);
  });
  it('a count that is no hour stays a count', () => {
    expect(cron('every morning, look at two models and keep the better')).toBe(
      cron('every morning, look at models and keep the better'),
    );
    expect(cron('every Monday retrain one model on data/x.csv')).toBe(
      cron('every Monday retrain a model on data/x.csv'),
    );
  });
});
