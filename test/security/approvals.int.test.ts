/**
 * Approval policy belongs to the server: the attacks of issue 13 against a running `pipewright serve`, and
 * one test per policy rule. Every refusal leaves every record as it was.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelRegistry } from '../../src/store/index.ts';
import { toyModel } from '../deploy/helpers.ts';
import { pw } from '../helpers/cli.ts';
import { until } from '../helpers/wait.ts';
import { codeOf, type SecureServer, startSecureServer } from './helpers.ts';

let s: SecureServer;

beforeAll(async () => {
  s = await startSecureServer({
    // A registered model the plans below try to put into production.
    before: async (stateDir) => {
      const registry = openModelRegistry({ stateDir });
      registry.registerVersion({ name: 'toy', ref: await toyModel(stateDir), createdBy: 'setup' });
      registry.close();
    },
  });
});
afterAll(async () => s.stop());

const deployStep = { id: 'deploy', task: 'deploy.http', with: { model: 'toy', version: 1 } };

/** approval → deploy.http, the approval with the given extra fields. */
const gated = (approval: Record<string, unknown> = {}) => ({
  name: 'ship',
  steps: [
    { id: 'ok', kind: 'approval', message: 'Ship to production?', timeout: '1h', ...approval },
    { ...deployStep, dependsOn: ['ok'] },
  ],
});

const deployments = () =>
  Number((s.store.db.prepare('SELECT COUNT(*) AS n FROM model_deployments').get() as { n: number }).n);

/** Writes the server's policy file (read again on the next request); undefined removes it. */
function policy(yaml: string | undefined) {
  const file = path.join(s.stateDir, 'policy.yaml');
  if (yaml === undefined) rmSync(file, { force: true });
  else writeFileSync(file, yaml);
}

async function waitFor(runId: string, statuses: string[]) {
  return until(() => {
    const run = s.store.getRun(runId);
    return run && statuses.includes(run.status) ? run : undefined;
  }, 20_000);
}

describe('approval policy on a running server', () => {
  it('refuses an operator plan that waives the deploy approval (allowUnapproved), changing nothing', async () => {
    const before = s.snapshot();
    const r = await s.call('POST', '/api/runs', {
      token: s.tokens.operator,
      body: { plan: { name: 'ship', allowUnapproved: ['deploy.http'], steps: [deployStep] } },
    });
    expect(r.status).toBe(403);
    expect(codeOf(r.body)).toBe('POLICY_REFUSED');
    expect(JSON.stringify(r.body)).toContain('allowUnapproved');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.snapshot()).toEqual(before);
    expect(deployments()).toBe(0);
  });

  it('refuses an operator plan whose approval would approve the deploy by itself on timeout', async () => {
    const before = s.snapshot();
    const r = await s.call('POST', '/api/runs', {
      token: s.tokens.operator,
      body: { plan: gated({ timeout: '1s', onTimeout: 'approve' }) },
    });
    expect(r.status).toBe(403);
    expect(codeOf(r.body)).toBe('POLICY_REFUSED');
    expect(JSON.stringify(r.body)).toContain('onTimeout');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(s.snapshot()).toEqual(before);
    expect(deployments()).toBe(0);
  });

  it('refuses self-approval of a deploy: the submitter cannot decide their own checkpoint', async () => {
    const started = await s.call('POST', '/api/runs', { token: s.tokens.approver, body: { plan: gated() } });
    expect(started.status).toBe(202);
    const runId = String(started.body.runId);
    await waitFor(runId, ['waiting']);
    const before = s.snapshot();
    const self = await s.call('POST', `/api/runs/${runId}/approvals/ok`, {
      token: s.tokens.approver,
      body: { approved: true },
    });
    expect(self.status).toBe(403);
    expect(codeOf(self.body)).toBe('APPROVAL_SELF');
    expect(s.snapshot()).toEqual(before);
    expect(s.store.getApproval(runId, 'ok')?.status).toBe('pending');
    // Another approver may; the deploy then runs, recorded as decided by them.
    const other = await s.call('POST', `/api/runs/${runId}/approvals/ok`, {
      token: s.approver2,
      body: { approved: true },
    });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ status: 'approved', decidedBy: 'bob' });
    expect((await waitFor(runId, ['succeeded', 'failed'])).status).toBe('succeeded');
  });

  it('honours a waiver from a role the policy allows (admin by default) and audits it', async () => {
    const before = deployments();
    const r = await s.call('POST', '/api/runs', {
      token: s.tokens.admin,
      body: { plan: { name: 'ship', allowUnapproved: ['deploy.http'], steps: [deployStep] } },
    });
    expect(r.status).toBe(202);
    const runId = String(r.body.runId);
    expect((await waitFor(runId, ['succeeded', 'failed'])).status).toBe('succeeded');
    expect(deployments()).toBe(before + 1);
    const waiver = s.store.listAudit({ target: runId }).find((a) => a.action === 'policy.allowUnapproved');
    expect(waiver).toMatchObject({ actor: 'root', target: `${runId}/deploy` });
    expect(waiver?.details).toMatchObject({ subject: 'deploy.http', role: 'admin', via: 'token' });
  });

  it('lets the policy say which roles may waive', async () => {
    policy('waivers:\n  roles: [operator, admin]\n');
    try {
      const r = await s.call('POST', '/api/runs', {
        token: s.tokens.operator,
        body: { plan: { name: 'ship', allowUnapproved: true, steps: [deployStep] } },
      });
      expect(r.status).toBe(202);
      const runId = String(r.body.runId);
      await waitFor(runId, ['succeeded', 'failed']);
      const waiver = s.store.listAudit({ target: runId }).find((a) => a.action === 'policy.allowUnapproved');
      expect(waiver).toMatchObject({ actor: 'otto' });
    } finally {
      policy(undefined);
    }
  });

  it('lets the policy raise the role that decides a gated approval', async () => {
    const started = await s.call('POST', '/api/runs', { token: s.tokens.operator, body: { plan: gated() } });
    const runId = String(started.body.runId);
    await waitFor(runId, ['waiting']);
    policy('approval:\n  approverRole: admin\n');
    try {
      const before = s.snapshot();
      const r = await s.call('POST', `/api/runs/${runId}/approvals/ok`, {
        token: s.tokens.approver,
        body: { approved: true },
      });
      expect(r.status).toBe(403);
      expect(codeOf(r.body)).toBe('APPROVAL_FORBIDDEN');
      expect(s.snapshot()).toEqual(before);
      const admin = await s.call('POST', `/api/runs/${runId}/approvals/ok`, {
        token: s.tokens.admin,
        body: { approved: false, comment: 'not today' },
      });
      expect(admin.status).toBe(200);
      await waitFor(runId, ['succeeded', 'failed', 'cancelled']);
    } finally {
      policy(undefined);
    }
  });

  it('lets the policy gate more tasks than the catalog does', async () => {
    policy('approval:\n  tasks: [notify.send]\n');
    try {
      const before = s.snapshot();
      const r = await s.call('POST', '/api/runs', {
        token: s.tokens.admin,
        body: {
          plan: {
            name: 'tell',
            steps: [{ id: 'n', task: 'notify.send', with: { channel: 'console', text: 'hi' } }],
          },
        },
      });
      expect(r.status).toBe(403);
      expect(JSON.stringify(r.body)).toContain('needs an approval step upstream');
      expect(s.snapshot()).toEqual(before);
    } finally {
      policy(undefined);
    }
  });

  it('refuses a step that declares a secret the policy does not grant', async () => {
    const before = s.snapshot();
    const r = await s.call('POST', '/api/runs', {
      token: s.tokens.admin,
      body: {
        plan: {
          name: 'leak',
          allowUnapproved: true,
          steps: [
            {
              id: 'x',
              task: 'shell.exec',
              secrets: ['PIPEWRIGHT_SLACK_BOT_TOKEN'],
              with: { command: ['env'] },
            },
          ],
        },
      },
    });
    expect(r.status).toBe(403);
    expect((r.body.error as { problems: { message: string }[] }).problems[0]?.message).toContain(
      'no secret "PIPEWRIGHT_SLACK_BOT_TOKEN" is defined by the policy',
    );
    expect(s.snapshot()).toEqual(before);
  });
});

describe('the same policy on the other surfaces', () => {
  it('refuses the waiver from the CLI acting with an operator token (PIPEWRIGHT_TOKEN)', async () => {
    const file = path.join(s.workspace, 'waive.yaml');
    writeFileSync(
      file,
      'name: ship\nallowUnapproved: [deploy.http]\nsteps:\n  - id: deploy\n    task: deploy.http\n    with: { model: toy, version: 1 }\n',
    );
    const before = s.snapshot();
    const r = await pw(s.workspace, ['run', file], { env: { PIPEWRIGHT_TOKEN: s.tokens.operator } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('POLICY_REFUSED');
    expect(r.stderr).toContain('otto (operator)');
    expect(s.snapshot()).toEqual(before);
  });

  it('refuses the waiver from a local CLI user the policy makes an operator (a shared store)', async () => {
    policy('identities:\n  cli: operator\n');
    try {
      const before = s.snapshot();
      const r = await pw(s.workspace, ['run', 'waive.yaml']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('POLICY_REFUSED');
      expect(s.snapshot()).toEqual(before);
    } finally {
      policy(undefined);
    }
  });

  it('refuses a trigger for a waiving plan at registration (triggered runs submit as operator)', async () => {
    const before = s.snapshot();
    const r = await pw(s.workspace, ['scheduler', 'add', 'waive.yaml', '--cron', '0 2 * * *']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('POLICY_REFUSED');
    expect(r.stderr).toContain('trigger:');
    expect(s.snapshot()).toEqual(before);
  });

  it('pipewright policy show prints the policy in force, who you are under it and the sandbox mode', async () => {
    policy('waivers:\n  roles: [approver, admin]\n');
    try {
      const r = await pw(s.workspace, ['policy', 'show', '--json'], {
        env: { PIPEWRIGHT_TOKEN: s.tokens.operator },
      });
      expect(r.exitCode).toBe(0);
      const shown = JSON.parse(r.stdout) as {
        file: { exists: boolean };
        policy: { waivers: { roles: string[] }; approval: { approverRole: string } };
        you: { name: string; role: string };
        sandbox: { mode: string };
      };
      expect(shown.file.exists).toBe(true);
      expect(shown.policy.waivers.roles).toEqual(['approver', 'admin']);
      expect(shown.policy.approval.approverRole).toBe('approver');
      expect(shown.you).toMatchObject({ name: 'otto', role: 'operator' });
      expect(shown.sandbox.mode).toBe('bwrap');
      policy('waivers:\n  roles: [root]\n');
      const bad = await pw(s.workspace, ['policy', 'show']);
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('POLICY_INVALID');
      expect(bad.stderr).toContain('waivers.roles[0]');
    } finally {
      policy(undefined);
    }
  });
});
