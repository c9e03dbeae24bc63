/** Round 13 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../agents/planner/edits.ts';
import { parseWatchLimits } from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseTimezone } from '../../../agents/planner/offline/schedule.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const planner = populatedPlanner();

describe('zone abbreviations and cities beyond Europe and the US', () => {
  it.each([
    ['retrain flights-delay at 6:30 pm IST every weekday', 'Asia/Kolkata'],
    ['every Monday 9am WAT, check penguins-species for drift', 'Africa/Lagos'],
    ['refresh the weather data nightly at 2 a.m. SAST', 'Africa/Johannesburg'],
    ['at 8am EAT each day, retrain cars-mpg', 'Africa/Nairobi'],
    ['run it daily at 5am Nairobi time', 'Africa/Nairobi'],
    ['schedule a retrain every Friday 10pm Abuja time', 'Africa/Lagos'],
    ['check drift every morning at 6 (Johannesburg)', 'Africa/Johannesburg'],
    ['retrain weekly, Sundays 4am Karachi time', 'Asia/Karachi'],
    ['every day at 1am AEST please', 'Australia/Sydney'],
    ['hourly from 9am SGT', 'Asia/Singapore'],
    ['every night at 11pm Nigeria time', 'Africa/Lagos'],
    ['at 7 am Kenya time, every Sunday', 'Africa/Nairobi'],
  ])('%s', (text, zone) => {
    expect(parseTimezone(text)).toBe(zone);
  });
  it.each([
    'predict the ist column of data/x.csv every day',
    'train on data/lagos.csv every day at 3',
    'predict sales in Nigeria every day',
    'compare the sast and wat columns',
  ])('no zone: %s', (text) => {
    expect(parseTimezone(text)).toBeUndefined();
  });
});

describe('a canary share said as "one in N requests", a duration as "half an hour"', () => {
  it.each([
    ['send version 2 of cars-mpg to 1 in 10 calls for two hours', 0.1, '2h'],
    ['let cars-mpg v2 take one out of every four requests for 30 minutes', 0.25, '30m'],
    ['roll penguins-species v3 out to one in every fifty users, watch it for three hours', 0.02, '3h'],
    ['a 20% canary of penguins-species v3 for half an hour', 0.2, '30m'],
    ['canary cars-mpg v2 for half an hour at 5%', 0.05, '30m'],
  ])('%s', (goal, share, duration) => {
    const spec = parseGoal(goal);
    expect(spec.operation).toBe('canary');
    expect(spec.canary).toMatchObject({ share, duration });
  });
  it.each([
    'one in five rows of data/cars.json has no Horsepower; fill them with the median',
    'score data/new-cars.json with cars-mpg v2; one in ten rows is a duplicate, drop those first',
  ])('no canary share: %s', (goal) => {
    expect(parseGoal(goal).canary?.share).toBeUndefined();
  });
});

describe('production said as a clause: "what\'s live", "whatever prod is serving"', () => {
  it.each([
    'retrain cars-mpg on data/cars.json with a random forest and benchmark it against what is currently deployed',
    "fit ridge on data/cars.json predicting mpg, then compare it to whatever's in production",
    'train penguins-species again on data/penguins.json with knn and put it side by side with what is live',
  ])('champion, no algorithm bake-off: %s', (goal) => {
    const spec = parseGoal(goal);
    expect(spec.compareWithProduction).toBe(true);
    expect(spec.compare).toBe(false);
  });
  it.each([
    'retrain penguins-species on data/penguins.json; register it only if it outperforms whatever prod is serving right now',
    'train cars-mpg on data/cars.json again and deploy it if it does better than whatever production is running today',
  ])('improve gate: %s', (goal) => {
    expect(parseGoal(goal).gate).toMatchObject({ kind: 'improve' });
  });
  it('"beats whatever production is serving" names the champion; "whatever production says" does not', () => {
    expect(
      parseGoal(
        'fit a random forest for Species on data/penguins.json; keep it only if it beats whatever production is running now',
      ).compareWithProduction,
    ).toBe(true);
    expect(
      parseGoal('retrain cars-mpg on data/cars.json and deploy it, whatever production scores')
        .compareWithProduction,
    ).toBe(false);
  });
  it('two algorithms compared with each other stay a bake-off', () => {
    const spec = parseGoal(
      'train gradient boosting and a random forest on data/cars.json predicting mpg and compare them',
    );
    expect(spec.compare).toBe(true);
    expect(spec.compareWithProduction).toBeUndefined();
  });
});

describe('served traffic said as "the <things> people have sent to <model>"', () => {
  it.each([
    'check whether the flights users have sent to flights-delay over the past 3 days still resemble the data it was trained on',
    'are the penguins clients submitted to penguins-species in the last 12 hours unlike the rows it learned from?',
    'tell me if the cars customers have been sending to the production cars-mpg model this week look different from what it was trained on',
  ])('%s', (goal) => {
    expect(parseGoal(goal).operation).toBe('monitor-traffic');
  });
  it('a file of things people sent is still trained on', () => {
    expect(
      parseGoal('train a model for mpg on the cars people have sent to us, in data/new-cars.json').operation,
    ).toBe('pipeline');
  });
});

describe('an error limit said as a share of requests', () => {
  it.each([
    ['stop the canary if failures exceed 0.05 of the requests', 0.05],
    ['pull it if the errors are over one percent of traffic', 0.01],
    ['roll back when errors go above 0.02 of all calls', 0.02],
  ])('%s', (text, rate) => {
    expect(parseWatchLimits(text).maxErrorRate).toBe(rate);
  });
  it('a count of errors is no rate', () => {
    expect(parseWatchLimits('tell me if errors are more than 5 in an hour').maxErrorRate).toBeUndefined();
  });
});

describe('a canary follow-up that names a bare duration', () => {
  const edit = (goal: string, then: string) => applyEdit(parseGoal(goal), then);
  it.each([
    ['canary penguins-species v3 at 5% for 30 minutes', 'change it to 20% and 2h', 0.2, '2h'],
    ['canary cars-mpg v2, 10% for 1h', 'hmm, 15% and 45 minutes instead', 0.15, '45m'],
    ['canary cars-mpg v2 on 10% of traffic for an hour', 'make that 4 hours', 0.1, '4h'],
  ])('%s / %s', (goal, then, share, duration) => {
    expect(edit(goal, then).canary).toMatchObject({ share, duration });
  });
  it('a traffic window in a follow-up is not the canary period', () => {
    expect(
      edit('canary cars-mpg v2 at 10% for 1h', 'and report errors from the last 3 hours').canary?.duration,
    ).toBe('1h');
  });
});

describe('a newly trained model shipped as a canary for a period is watched for it', () => {
  it.each([
    [
      'retrain penguins-species on data/penguins.json with knn; if it beats prod, roll it out as a 20% canary for 2 hours',
      0.2,
      '2h',
    ],
    [
      'retrain cars-mpg on data/cars.json with a random forest and deploy it as a 5% canary for forty-five minutes',
      0.05,
      '45m',
    ],
  ])('%s', async (goal, share, duration) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'deploy.http')?.with).toMatchObject({ canary: { share } });
    expect(taskStep(plan, 'serving.watch')?.with).toMatchObject({ duration });
  });
  it('a canary with no period stays unwatched', async () => {
    const plan = await planner.planOf('retrain cars-mpg on data/cars.json and ship it as a 10% canary');
    expect(taskStep(plan, 'serving.watch')).toBeUndefined();
  });
});
