/** Surface form: what a person types around a request (spacing, greetings, courtesy, case) is not its meaning. */
import { describe, expect, it } from 'vitest';
import { parseTimezone } from '../../../agents/planner/offline/schedule.ts';
import { normaliseSpacing, plainRequest, withoutCourtesy } from '../../../agents/planner/surface.ts';

describe('any whitespace is one space', () => {
  it.each([
    ['retire  the\tgradient   boosting', 'retire the gradient boosting'],
    ['swap in\u00A0a\u00A0forest.\nthen approve', 'swap in a forest. then approve'],
    ['use\u200B the newest\u202Frun', 'use the newest run'],
  ])('%j', (typed, plain) => expect(normaliseSpacing(typed)).toBe(plain));
});

describe('greetings, sign-offs and courtesy words are taken off', () => {
  it.each([
    ['hey team, the cars one please', 'the cars one'],
    ['yo! the flights model :pray:', 'the flights model'],
    ['morning all — redo the failed job, cheers', 'redo the failed job'],
    ['@pipewright could you please retry the newest run? thx', 'retry the newest run?'],
    ["hello there! I'd like you to rerun tuesday's job. ty", "rerun tuesday's job."],
    ['kindly retrain the iris model, thank you so much!', 'retrain the iris model'],
    ['can you score data/x.csv with it 🙏', 'score data/x.csv with it'],
    ['good morning! pls schedule it daily at 6 utc', 'schedule it daily at 6 utc'],
    ['retrain it and please deploy it', 'retrain it and deploy it'],
  ])('%j', (typed, plain) => expect(plainRequest(typed)).toBe(plain));

  it('keeps what is not courtesy: paths, e-mail addresses, a request that is only thanks', () => {
    expect(withoutCourtesy('email ops@example.com the report')).toBe('email ops@example.com the report');
    expect(withoutCourtesy('read @data/hi.csv')).toBe('read @data/hi.csv');
    expect(withoutCourtesy('thanks')).toBe('thanks');
    expect(withoutCourtesy('predict the ty column from data/t.csv')).toBe(
      'predict the ty column from data/t.csv',
    );
    expect(withoutCourtesy('high yield model')).toBe('high yield model');
  });
});

describe('a time zone abbreviation is read in any case', () => {
  it.each([
    ['every weekday at 5 utc', 'UTC'],
    ['nightly at 02:00 Utc', 'UTC'],
    ['mondays at 9am gmt', 'UTC'],
    ['every day at 7am pst', 'America/Los_Angeles'],
    ['daily at 18:00 cet', 'Europe/Berlin'],
  ])('%s', (text, zone) => expect(parseTimezone(text)).toBe(zone));
  it('a word that looks like an abbreviation without a time is not a zone', () => {
    expect(parseTimezone('predict the est column every day')).toBeUndefined();
  });
});

describe('a word that only looks like a greeting stays', () => {
  it.each([
    'morning batches of data/flights.csv get scored daily',
    'evening runs should retry twice',
    'hi-res images in data/img go to the classifier',
  ])('%s', (text) => expect(withoutCourtesy(text)).toBe(text));
});
