/** Round 15 references, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseWatchLimits } from '../../../agents/planner/offline/operations.ts';

describe('an error-rate limit after a modal: "has to stay below", "must not over 3% go"', () => {
  it.each([
    ['one more guard: the failure rate needs to remain under 2%', 0.02],
    ['and the error rate should never exceed 4 percent', 0.04],
    ['the error rate may not above 0.5% climb', 0.005],
    ['the 5xx rate must not go over 3%', 0.03],
  ])('%s', (text, rate) => {
    expect(parseWatchLimits(text).maxErrorRate).toBe(rate);
  });
  it('unchanged: an error rate with no limit word is no limit', () => {
    expect(parseWatchLimits('tell me what the error rate must have been at 3%').maxErrorRate).toBeUndefined();
  });
});
