/** Fold and trial progress: a time-left estimate from the pace so far, sent at most every half second. */
import { describe, expect, it } from 'vitest';
import { etaProgress, formatEta } from '../../tools/train/progress.ts';

describe('etaProgress', () => {
  it('estimates the time left from the mean time per unit and skips updates closer than everyMs', () => {
    let now = 0;
    const sent: [number, string | undefined][] = [];
    const p = etaProgress({ progress: (f, m) => sent.push([f, m]) }, 5, [0, 1], { now: () => now });
    now = 2000;
    p.done('fold 1/5'); // 2 s per unit, 4 left
    now = 2100;
    p.done('fold 2/5'); // 0.1 s after the last update: skipped
    now = 6000;
    p.done('fold 3/5'); // 2 s per unit, 2 left
    now = 6100;
    p.done('fold 4/5'); // skipped
    now = 6200;
    p.done('fold 5/5'); // the last unit always shows, without an estimate
    expect(sent).toEqual([
      [0.2, 'fold 1/5, ~8 s left'],
      [0.6, 'fold 3/5, ~4 s left'],
      [1, 'fold 5/5'],
    ]);
  });

  it('formats seconds, minutes and hours', () => {
    expect(formatEta(400)).toBe('~1 s left');
    expect(formatEta(75_000)).toBe('~1 min 15 s left');
    expect(formatEta(2 * 3600_000 + 5 * 60_000)).toBe('~2 h 05 min left');
  });
});
