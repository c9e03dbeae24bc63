/** Round 5: "the one in canary" binds to the version a running canary serves, or asks when none runs. */
import { beforeAll, describe, expect, it } from 'vitest';
import { bindModel, type Lookups, openLookups } from '../../../agents/planner/index.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../../fixtures/populated-workspace.ts';

let ws: PopulatedWorkspace;
let look: Lookups;
beforeAll(async () => {
  ws = await populatedWorkspace();
  const opened = openLookups(ws.config, () => ws.now);
  look = opened.look;
  return () => opened.close();
}, 300_000);

const inCanary = {
  text: 'the penguins model in canary',
  role: 'subject' as const,
  words: ['penguins'],
  alias: 'canary',
};

describe('a model by the canary it is in', () => {
  it('no canary running: a question naming the versions', () => {
    const got = bindModel(inCanary, look, 'new');
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.question).toMatch(/no canary running.*v3 \(staging\)/);
  });
  it('a running canary: its version', () => {
    const withCanary = new Proxy(look, {
      get: (t, k) =>
        k === 'models'
          ? () =>
              t.models().map((m) =>
                m.name === 'penguins-species'
                  ? {
                      ...m,
                      activeDeployment: {
                        id: 'd1',
                        alias: 'production',
                        version: 2,
                        canary: { version: 1, share: 0.1 },
                      },
                    }
                  : m,
              )
          : Reflect.get(t, k),
    });
    const got = bindModel(inCanary, withCanary, 'new');
    expect(got.ok && got.value.version).toBe(1);
  });
});
