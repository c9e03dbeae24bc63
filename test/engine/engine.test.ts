import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { RunStore } from '../../src/store/index.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { readMarks, testRegistry } from '../helpers/tasks.ts';

function setup() {
  const workspace = makeWorkspace();
  const config = loadConfig({ workspace }, {});
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const engine = new Engine({ store, registry: testRegistry(), config, pollMs: 20 });
  return { workspace, config, store, engine };
}

describe('engine', () => {
  it('runs a diamond with parallel branches and passes outputs downstream', async () => {
    const { engine, store, workspace } = setup();
    const out = await engine.run(
      {
        name: 'diamond',
        steps: [
          { id: 'a', task: 'test.mark', with: { label: 'a', score: 2 } },
          { id: 'b', task: 'test.mark', dependsOn: ['a'], with: { label: 'b', delayMs: 150 } },
          { id: 'c', task: 'test.mark', dependsOn: ['a'], with: { label: 'c', delayMs: 150 } },
          {
            id: 'd',
            task: 'test.echo',
            dependsOn: ['b', 'c'],
            with: { value: '${{ steps.a.outputs.score }}' },
          },
        ],
      },
      { createdBy: 'tester' },
    );
    expect(out.status).toBe('succeeded');
    expect(out.results.d?.output).toEqual({ value: 2 });
    expect(readMarks(workspace).sort()).toEqual(['a', 'b', 'c']);
    const b = store.getStep(out.runId, 'b');
    const c = store.getStep(out.runId, 'c');
    // b and c overlap in time: both started before either finished.
    expect(Date.parse(b?.startedAt ?? '')).toBeLessThan(Date.parse(c?.finishedAt ?? ''));
    expect(Date.parse(c?.startedAt ?? '')).toBeLessThan(Date.parse(b?.finishedAt ?? ''));
  });

  it('pauses at an approval and continues after a decision', async () => {
    const { engine, store, workspace } = setup();
    const first = await engine.run(
      {
        name: 'gated',
        steps: [
          { id: 'train', task: 'test.mark', with: { label: 'train' } },
          { id: 'ok', kind: 'approval', dependsOn: ['train'], message: 'Deploy?', timeout: '1h' },
          { id: 'deploy', task: 'test.mark', dependsOn: ['ok'], with: { label: 'deploy' } },
        ],
      },
      { createdBy: 'tester' },
    );
    expect(first.status).toBe('waiting');
    expect(first.waiting.map((a) => a.stepId)).toEqual(['ok']);
    expect(readMarks(workspace)).toEqual(['train']);
    engine.decide({
      runId: first.runId,
      stepId: 'ok',
      approved: true,
      by: 'alice',
      comment: 'ship it',
      via: 'test',
    });
    const second = await engine.execute(first.runId);
    expect(second.status).toBe('succeeded');
    expect(readMarks(workspace)).toEqual(['train', 'deploy']);
    expect(store.getStep(first.runId, 'ok')?.output).toEqual({
      approved: true,
      by: 'alice',
      comment: 'ship it',
    });
  });
});
