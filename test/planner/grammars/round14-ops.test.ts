/** Round 14 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseDrift } from '../../../agents/planner/offline/monitoring.ts';

describe('a drift test named with a threshold: "PSI thr 0.1", "psi > 0.3", "a KS-style threshold of"', () => {
  it.each([
    ['penguins-species served rows vs training, psi thr 0.25', { psi: 0.25 }],
    ['compare with the reference set. PSI thresh 0.3, then page me', { psi: 0.3 }],
    ['alert when psi > 0.2 on the served traffic', { psi: 0.2 }],
    ['check drift with a PSI threshold of 0.12', { psi: 0.12 }],
    ['drift check: psi=0.2', { psi: 0.2 }],
    ['drift vs prod training data, Wasserstein thr. 0.4', { wasserstein: 0.4 }],
    ['use a wasserstein threshold of 0.15 for the drift test', { wasserstein: 0.15 }],
    ['drift of served rows, wasserstein > 0.3', { wasserstein: 0.3 }],
  ])('%s', (goal, drift) => {
    expect(parseDrift(goal)).toEqual(drift);
  });
  it.each([
    'retrain every day at 3 and keep 0.2 for testing',
    'check drift on the last 48h of traffic and tell me',
    'a threshold of 0.8 accuracy before deploying',
  ])('no test named, no threshold: %s', (goal) => {
    expect(parseDrift(goal)).toEqual({});
  });
});
