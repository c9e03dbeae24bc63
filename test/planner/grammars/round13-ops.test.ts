/** Round 13 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseTimezone } from '../../../agents/planner/offline/schedule.ts';

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
