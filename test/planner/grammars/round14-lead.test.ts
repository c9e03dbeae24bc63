/** Round 14 (lead): column lists with bracketed units, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';

const of = (goal: string, op: string) => parsePrep(goal).filter((p) => p.op === op);

describe('a select list keeps bracketed units: "keep only Height (cm) and Weight (kg)"', () => {
  it.each([
    [
      'keep only Name, Height (cm) and Weight (kg), then save it as people-slim',
      'Name, Height (cm) and Weight (kg)',
    ],
    [
      'select the columns Price (USD), Rooms and Area (m2) from data/flats.csv',
      'Price (USD), Rooms and Area (m2)',
    ],
    ['retain just Speed (km/h) and Distance (km) before versioning', 'Speed (km/h) and Distance (km)'],
  ])('%s', (goal, list) => {
    expect(of(goal, 'select')).toEqual([{ op: 'select', list }]);
  });
  it.each([
    ['keep only Name and Age (the rest is noise), then save it', 'Name and Age'],
    ['keep only Title and Year (as columns); drop duplicates', 'Title and Year'],
  ])('a bracketed remark still ends the list: %s', (goal, list) => {
    expect(of(goal, 'select')).toEqual([{ op: 'select', list }]);
  });
});
