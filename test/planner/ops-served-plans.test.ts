/**
 * Operational plans on the populated workspace for wordings of round 3: a rollback to "the previous version"
 * names the version it goes back to, p50/p90/p99 limits reach serving.watch, a canary carries its latency limit,
 * "since <day>" reads served traffic from that day. Other words than any eval goal.
 */
import { describe, expect, it } from 'vitest';
import { dayRange } from '../../agents/planner/resolve.ts';
import { populatedPlanner, taskStep } from '../helpers/populated-planner.ts';

const planner = populatedPlanner();
const { planOf } = planner;
const step = taskStep;

describe('round-3 operational plans', () => {
  it('names the version a rollback to "what was live before" goes back to', async () => {
    const p = await planOf(
      'the live penguins model is acting up - switch it back to what was serving before',
    );
    expect(step(p, 'model.rollback')?.with).toMatchObject({ model: 'penguins-species', toVersion: 1 });
    expect(step(p, 'deploy.http')).toBeUndefined();
  });
  it('rolls back to a version written as a word', async () => {
    const p = await planOf(
      'penguins-species in production is broken, bring it back to version one right away',
    );
    expect(step(p, 'model.rollback')?.with).toMatchObject({ toVersion: 1 });
  });
  it('carries p90 and error limits of a watch into serving.watch', async () => {
    const p = await planOf(
      'watch penguins-species for 45 mins; if p90 latency tops 250 ms or the 5xx rate is over 3%, undo the last deploy',
    );
    expect(step(p, 'serving.watch')?.with).toMatchObject({
      duration: '45m',
      maxP90Ms: 250,
      maxErrorRate: 0.03,
    });
  });
  it("carries a canary's median-latency limit into its watch", async () => {
    const p = await planOf(
      'canary penguins-species v3 on half the requests for 20 minutes and drop it if median latency goes past 60 ms',
    );
    expect(step(p, 'serving.watch')?.with).toMatchObject({ duration: '20m', maxP50Ms: 60 });
  });
  it('reads served traffic since a weekday', async () => {
    const p = await planOf('has what cars-mpg was asked since monday moved away from its training data?');
    const since = dayRange('monday', planner.ws.now)[0].toISOString();
    expect(step(p, 'monitor.traffic')?.with).toMatchObject({ model: 'cars-mpg', since });
  });
  it('scores with the model a run trained, put over a file', async () => {
    const p = await planOf(`run the model from ${planner.ws.facts.runs.carsV2.id} over data/new-cars.json`);
    expect(step(p, 'predict.batch')?.with).toMatchObject({ model: 'cars-mpg:2' });
    expect(step(p, 'train.tabular')).toBeUndefined();
  });
});
