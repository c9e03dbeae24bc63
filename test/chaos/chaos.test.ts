/**
 * The short form of `npm run chaos` (scripts/chaos.ts): the coordinator killed in the windows between a
 * side effect and its record, and at step boundaries; `pipewright serve` killed after a deployment and
 * restarted. Every fault survived, nothing duplicated, nothing lost, no run left without an owner.
 */
import { describe, expect, it } from 'vitest';
import { chaosCoordinator, chaosServer } from './harness.ts';

describe('fault injection (short form of npm run chaos)', () => {
  it('the coordinator killed around each side effect: all survived, 0 duplicates, 0 lost, 0 orphaned', async () => {
    const points = [
      'step.effect:register',
      'step.done:register',
      'step.effect:deploy',
      'step.start:notify',
      'step.effect:notify',
      'step.effect:append',
    ];
    const r = await chaosCoordinator(points);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({
      injected: points.length,
      survived: points.length,
      duplicates: 0,
      lost: 0,
      orphaned: 0,
    });
  }, 300_000);

  it('the server killed after a deployment and restarted resumes the run by itself, once', async () => {
    const r = await chaosServer(['step.effect:deploy']);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ injected: 1, survived: 1, duplicates: 0, lost: 0, orphaned: 0 });
  }, 300_000);
});
