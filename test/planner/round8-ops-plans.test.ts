/** Round 8 operational plans on the populated workspace, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { populatedPlanner, taskStep } from '../helpers/populated-planner.ts';

const { planOf } = populatedPlanner();
const step = taskStep;

describe('deploy a version, watch it, and revert on a breach', () => {
  it('goes back to the version named', async () => {
    const p = await planOf(
      'ship penguins-species v3 to production and watch it for an hour; if the error rate passes 2%, revert to v1',
    );
    expect(step(p, 'deploy.http')?.with).toMatchObject({ model: 'penguins-species', version: 3 });
    expect(step(p, 'serving.watch')?.with).toMatchObject({ duration: '1h', maxErrorRate: 0.02 });
    expect(step(p, 'model.rollback')?.with).toMatchObject({ model: 'penguins-species', toVersion: 1 });
    expect(step(p, 'model.rollback')?.when).toContain('regressed');
  });
  it('without a version named, goes back to what production served before the deploy', async () => {
    const p = await planOf(
      'deploy cars-mpg v2, keep an eye on it for 30 minutes and roll back should p99 go above 800 ms',
    );
    expect(step(p, 'deploy.http')?.with).toMatchObject({ model: 'cars-mpg', version: 2 });
    expect(step(p, 'serving.watch')?.with).toMatchObject({ duration: '30m', maxP99Ms: 800 });
    expect(step(p, 'model.rollback')?.with).toMatchObject({ model: 'cars-mpg', toVersion: 1 });
  });
});

describe('a promotion that asks to tell someone', () => {
  it.each([
    ['promote penguins-species v3 and ping #ml-ops on slack once it is out', 'slack'],
    ['ship cars-mpg v2 to production, then email me', 'email'],
  ])('%s', async (goal, channel) => {
    const p = await planOf(goal);
    expect(step(p, 'deploy.http')).toBeDefined();
    expect(step(p, 'notify.send')?.with).toMatchObject({ channel });
  });
  it('without asking, no message', async () => {
    const p = await planOf('promote penguins-species v3');
    expect(step(p, 'notify.send')).toBeUndefined();
  });
});

describe('a comparison of two registered versions evaluates only', () => {
  it('on a named file, against the version named', async () => {
    const p = await planOf('compare cars-mpg v2 and v1 on data/cars.json, report the rmse of each');
    expect(step(p, 'ingest.file')?.with).toMatchObject({ path: 'data/cars.json' });
    expect(step(p, 'evaluate.model')?.with.baseline).toBe('cars-mpg:1');
    expect(step(p, 'deploy.http')).toBeUndefined();
    expect(step(p, 'train.tabular')).toBeUndefined();
  });
  it('without a file, on the held-out rows, against production', async () => {
    const p = await planOf('benchmark the staging cars-mpg against the production one; nothing gets shipped');
    expect(step(p, 'evaluate.model')?.with.baseline).toBe('cars-mpg@production');
    expect(step(p, 'deploy.http')).toBeUndefined();
    expect(step(p, 'model.register')).toBeUndefined();
  });
});

describe('a model said to be retrained already', () => {
  it('promotes its newest version and tells the #channel', async () => {
    const p = await planOf('release cars-mpg now that it has been retrained, and let #ml know');
    expect(step(p, 'train.tabular')).toBeUndefined();
    expect(step(p, 'deploy.http')?.with).toMatchObject({ model: 'cars-mpg', version: 2 });
    expect(step(p, 'notify.send')?.with).toMatchObject({ channel: 'slack' });
  });
});

describe('"email me and x@y" mails both', () => {
  it('names the address and asks for the author too', async () => {
    const p = await planOf('promote penguins-species v3, then email me and ops@acme.io');
    expect(step(p, 'notify.send')?.with).toMatchObject({
      channel: 'email',
      to: ['ops@acme.io'],
      ccAuthor: true,
    });
  });
  it('an address alone leaves the author out', async () => {
    const p = await planOf('promote penguins-species v3, then email ops@acme.io');
    expect(step(p, 'notify.send')?.with.ccAuthor).toBeUndefined();
  });
});

describe('the staging and production versions of a model compared', () => {
  it('evaluates staging against production', async () => {
    const p = await planOf(
      'put the staging and production versions of cars-mpg side by side on data/cars.json',
    );
    expect(step(p, 'evaluate.model')?.with.baseline).toBe('cars-mpg@production');
    expect(step(p, 'deploy.http')).toBeUndefined();
  });
});
