/**
 * The web chat's conversations over HTTP (POST /api/plans/stream with a `thread`): a follow-up edits the plan
 * under review and an answer fills the missing piece, on a thread that survives a server restart.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { createApp } from '../../src/server/app.ts';
import { openModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { testRegistry } from '../helpers/tasks.ts';
import { testServer } from '../server/helpers.ts';

const VEGA = fileURLToPath(new URL('../../node_modules/vega-datasets/data', import.meta.url));

/** The last event of an SSE body: [type, data]. */
async function answer(res: Response): Promise<[string, Record<string, unknown>]> {
  const blocks = (await res.text()).split(/\n\n+/).filter((b) => b.trim());
  const last = blocks.at(-1) ?? '';
  const type = /^event:\s*(.+)$/m.exec(last)?.[1]?.trim() ?? 'message';
  const data = /^data:\s*(.+)$/m.exec(last)?.[1] ?? '{}';
  return [type, JSON.parse(data)];
}

type Step = { id: string; task?: string; with?: Record<string, unknown> };
const trains = (plan: unknown) =>
  ((plan as { steps: Step[] }).steps ?? []).filter((s) => s.task?.startsWith('train.')).map((s) => s.with);

describe('web conversations', () => {
  let s: ReturnType<typeof testServer>;
  beforeAll(() => {
    s = testServer();
    mkdirSync(path.join(s.workspace, 'data'), { recursive: true });
    copyFileSync(path.join(VEGA, 'penguins.json'), path.join(s.workspace, 'data', 'penguins.json'));
  });
  afterAll(() => s.close());
  const say = async (goal: string, thread?: string) =>
    answer(
      await s.call('POST', '/api/plans/stream', {
        token: s.tokens.viewer,
        body: { goal, ...(thread ? { thread } : {}) },
      }),
    );

  it('a follow-up on the thread edits the plan; one that cannot work keeps it and says why', async () => {
    const [type, first] = await say('predict species from data/penguins.json with a random forest');
    expect(type).toBe('plan');
    const thread = first.thread as string;
    expect(thread).toMatch(/^web-/);
    const [, swapped] = await say('use logistic regression instead', thread);
    expect(trains(swapped.plan).map((w) => w?.algorithm)).toEqual(['logistic_regression']);
    expect(swapped.problems).toEqual([]);
    const [, kept] = await say('predict the wingspan instead', thread);
    expect(kept.plan).toEqual(swapped.plan);
    expect(String((kept.problems as { message: string }[])[0]?.message)).toMatch(/not made.*wingspan/);
  });

  it('an answer fills the missing piece, and the thread survives a restart', async () => {
    const [type, asked] = await say('train a model on data/penguins.json');
    expect(type).toBe('clarify');
    await s.close();
    // A new server over the same state folder (and its tokens) carries the conversation on.
    const store = new RunStore(stateTarget(s.config));
    const engine = new Engine({ store, registry: testRegistry(), config: s.config, pollMs: 20 });
    const again = createApp({
      config: s.config,
      registry: openModelRegistry(s.config),
      engine,
      approvalSweepMs: 0,
    });
    try {
      const res = await again.app.request('/api/plans/stream', {
        method: 'POST',
        headers: { authorization: `Bearer ${s.tokens.viewer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ goal: 'Island', thread: asked.thread }),
      });
      const [t, planned] = await answer(res);
      expect(t).toBe('plan');
      expect(trains(planned.plan)[0]?.target).toBe('Island');
    } finally {
      await again.close();
      await engine.close();
      store.close();
    }
  });
});
