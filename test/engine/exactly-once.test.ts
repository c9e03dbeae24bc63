/**
 * Side effects happen once per step, whatever kills the process in between: each run is killed (SIGKILL,
 * at a fault point) right after a side-effecting task returned and before its success was recorded, the
 * window where a resume used to do the work a second time. Then it is resumed, and the records and the
 * outside world are counted.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { toyModel } from '../deploy/helpers.ts';
import { runChild } from '../helpers/engine-child-runner.ts';
import { ALLOW_LOOPBACK, writePolicy } from '../helpers/policy.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

let server: Server;
let url = '';
const posts: { key: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      posts.push({ key: req.headers['idempotency-key'] as string | undefined, body });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);

describe('exactly-once side effects across kill -9 and resume', () => {
  it('registers, deploys, notifies and publishes once although every step was killed after its effect', async () => {
    const ws = makeWorkspace();
    const config = testConfig({ workspace: ws });
    onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
    const model = await toyModel(config.stateDir);
    // The webhook stand-in listens on 127.0.0.1, which the egress guard refuses unless the policy allows it.
    writePolicy(config, ALLOW_LOOPBACK);
    // The program's own guard: the idempotency key in its environment names what it already did.
    const guarded =
      'f=".done-$(echo "$PIPEWRIGHT_IDEMPOTENCY_KEY" | tr / _)"; [ -f "$f" ] || { echo "attempt $PIPEWRIGHT_ATTEMPT" >> appended.txt; touch "$f"; }';
    const plan = {
      name: 'ship',
      allowUnapproved: true,
      steps: [
        { id: 'register', task: 'model.register', with: { name: 'churn', model, alias: 'staging' } },
        {
          id: 'deploy',
          task: 'deploy.http',
          dependsOn: ['register'],
          with: { model: 'churn', version: '${{ steps.register.outputs.version }}' },
        },
        {
          id: 'notify',
          task: 'notify.send',
          dependsOn: ['deploy'],
          with: { channel: 'webhook', url, text: 'v1' },
        },
        { id: 'publish', task: 'test.publish', dependsOn: ['notify'], with: { line: 'v1' } },
        {
          id: 'append',
          task: 'shell.exec',
          dependsOn: ['publish'],
          with: { command: ['sh', '-c', guarded] },
        },
      ],
    };
    writeFileSync(path.join(ws, 'plan.json'), JSON.stringify(plan));

    const first = await runChild(ws, ['run', 'plan.json', 'token:ci-bot'], {
      PIPEWRIGHT_FAULTS: 'step.effect:register',
    });
    expect(first.signal).toBe('SIGKILL');
    const runId = first.runId as string;
    expect(runId).toMatch(/^run-/);
    for (const step of ['deploy', 'notify', 'publish', 'append']) {
      const killed = await runChild(ws, ['resume', runId], { PIPEWRIGHT_FAULTS: `step.effect:${step}` });
      expect(killed.signal, `killed after ${step}: ${killed.stderr}`).toBe('SIGKILL');
    }
    const last = await runChild(ws, ['resume', runId]);
    expect(last.result).toEqual({ runId, status: 'succeeded' });

    const store = new RunStore(stateTarget(config));
    const registry = openModelRegistry(config);
    onTestFinished(() => {
      registry.close();
      store.close();
    });
    // One version, one deployment, each once in the audit log, made under the step's key, by the submitter.
    const versions = registry.listVersions('churn');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({
      version: 1,
      idempotencyKey: `${runId}/register`,
      createdBy: 'token:ci-bot',
      aliases: ['production', 'staging'],
    });
    expect(registry.aliasHistory('churn', 'staging')).toHaveLength(1);
    expect(registry.aliasHistory('churn', 'production')).toHaveLength(1);
    const deployments = registry.listDeployments('churn');
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({ idempotencyKey: `${runId}/deploy`, createdBy: 'token:ci-bot' });
    const actions = store.listAudit({ limit: 1000 }).map((a) => a.action);
    expect(actions.filter((a) => a === 'model.register')).toHaveLength(1);
    expect(actions.filter((a) => a === 'model.deploy')).toHaveLength(1);
    // The outside world saw each effect once.
    expect(posts.map((p) => p.key)).toEqual([`${runId}/notify`]);
    expect(lines(path.join(ws, 'published.txt'))).toEqual([`v1 ${runId}/publish`]);
    expect(lines(path.join(ws, 'appended.txt'))).toEqual(['attempt 1']);
    // Each step ran a second attempt after its first was cut short, and says it reused the first one's work.
    for (const id of ['register', 'deploy', 'notify', 'publish', 'append']) {
      expect(store.getStep(runId, id)).toMatchObject({ status: 'succeeded', attempt: 2, interrupted: 1 });
    }
    const logs = store.events(runId, { types: ['step.log'] }).map((e) => `${e.stepId}: ${e.data.message}`);
    expect(logs).toContainEqual(
      expect.stringMatching(/^register: churn version 1 was registered by an earlier attempt/),
    );
    expect(logs).toContainEqual(
      expect.stringMatching(/^deploy: deployment dep-\S+ of churn version 1 was made by an earlier attempt/),
    );
    expect(logs).toContainEqual('notify: notify.post: done by attempt 1 already; reusing its result');
    expect(store.events(runId, { types: ['run.interrupted'] })).toHaveLength(5);
  }, 300_000);
});
