/** Round 10 training-side wordings, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { saysNoRegister } from '../../../agents/planner/offline/negations.ts';

describe('"register nothing" / "no registry" means no registration', () => {
  it.each([
    'run my train.py with 2 gpus and register nothing this time',
    'custom script, 4 epochs; no registry please',
    'fit it with my own code, no model registry needed, just the run',
    'train the thing but registering nothing at this stage, it is a trial',
    'use my script; no registering, no deploy',
  ])('%s', (goal) => {
    expect(saysNoRegister(goal)).toBe(true);
  });
  it.each([
    'register it as sales-model once approved',
    'no registry entry until the review passes',
    'register nothing until Ana signs off',
  ])('still registers: %s', (goal) => {
    expect(saysNoRegister(goal)).toBe(false);
  });
});
