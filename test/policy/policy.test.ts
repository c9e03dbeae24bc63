/** The policy's rules as functions of (policy, plan, who), its file, the egress checks and the redaction. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { isPipewrightError } from '../../src/errors.ts';
import { type Plan, parsePlan } from '../../src/plan/index.ts';
import {
  checkDecision,
  checkSubmission,
  DEFAULT_POLICY,
  hostAllowed,
  isInternalAddress,
  loadPolicy,
  type Policy,
  PolicyGuard,
  parsePolicyText,
  redactSecrets,
  secretRedactor,
} from '../../src/policy/index.ts';
import { AuthStore, RunStore, stateTarget } from '../../src/store/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const tasks = builtinRegistry();
const plan = (raw: Record<string, unknown>): Plan => parsePlan(raw, tasks);
const deploy = { id: 'deploy', task: 'deploy.http', with: { model: 'm', version: 1 } };
const gated = (approval: Record<string, unknown> = {}) =>
  plan({
    name: 'ship',
    steps: [
      { id: 'ok', kind: 'approval', message: 'ship?', ...approval },
      { ...deploy, dependsOn: ['ok'] },
    ],
  });
const waiving = () => plan({ name: 'ship', allowUnapproved: ['deploy.http'], steps: [deploy] });
const who = (role: 'viewer' | 'operator' | 'approver' | 'admin', name: string = role) => ({
  name,
  role,
  via: 'token',
});
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return isPipewrightError(e) ? e.code : String(e);
  }
};

describe('checkSubmission', () => {
  it('honours allowUnapproved on a gated task only for the waiver roles, and reports it as a waiver', () => {
    expect(codeOf(() => checkSubmission(DEFAULT_POLICY, waiving(), who('operator'), tasks))).toBe(
      'POLICY_REFUSED',
    );
    expect(codeOf(() => checkSubmission(DEFAULT_POLICY, waiving(), who('approver'), tasks))).toBe(
      'POLICY_REFUSED',
    );
    expect(checkSubmission(DEFAULT_POLICY, waiving(), who('admin'), tasks).waivers).toEqual([
      { kind: 'allowUnapproved', step: 'deploy', subject: 'deploy.http' },
    ]);
  });

  it('treats onTimeout: approve before a gated task as a waiver, and lets reject through', () => {
    const p = gated({ timeout: '1s', onTimeout: 'approve' });
    const err = (() => {
      try {
        checkSubmission(DEFAULT_POLICY, p, who('operator', 'otto'), tasks);
      } catch (e) {
        return e as { details: { problems: { path: string }[] }; why: string };
      }
    })();
    expect(err?.details.problems.map((x) => x.path)).toEqual(['steps[0].onTimeout']);
    expect(err?.why).toContain('otto (operator)');
    expect(checkSubmission(DEFAULT_POLICY, gated(), who('operator'), tasks).waivers).toEqual([]);
    expect(checkSubmission(DEFAULT_POLICY, p, who('admin'), tasks).waivers).toEqual([
      { kind: 'onTimeoutApprove', step: 'ok', subject: 'deploy.http' },
    ]);
  });

  it('leaves ungated tasks alone, and gates the extra tasks a policy names', () => {
    const notify = plan({
      name: 'tell',
      steps: [{ id: 'n', task: 'notify.send', with: { channel: 'console', text: 'hi' } }],
    });
    expect(checkSubmission(DEFAULT_POLICY, notify, who('viewer'), tasks).waivers).toEqual([]);
    const strict = parsePolicyText('approval:\n  tasks: [notify.send]\n');
    expect(codeOf(() => checkSubmission(strict, notify, who('admin'), tasks))).toBe('POLICY_REFUSED');
  });

  it('grants a declared secret only to its tasks and roles', () => {
    const p: Policy = parsePolicyText(
      'secrets:\n  HF_TOKEN:\n    file: /nowhere\n    tasks: [shell.exec]\n    roles: [operator, admin]\n',
    );
    const step = (task: string) =>
      plan({
        name: 's',
        allowUnapproved: true,
        steps: [
          task === 'shell.exec'
            ? { id: 'x', task, secrets: ['HF_TOKEN'], with: { command: ['true'] } }
            : { id: 'x', task, secrets: ['HF_TOKEN'], with: { path: 'a.csv' } },
        ],
      });
    expect(checkSubmission(p, step('shell.exec'), who('admin'), tasks).waivers).toContainEqual({
      kind: 'secret',
      step: 'x',
      subject: 'HF_TOKEN',
    });
    expect(codeOf(() => checkSubmission(p, step('ingest.file'), who('admin'), tasks))).toBe('POLICY_REFUSED');
    expect(codeOf(() => checkSubmission(p, step('shell.exec'), who('approver'), tasks))).toBe(
      'POLICY_REFUSED',
    );
  });
});

describe('checkDecision', () => {
  const decide = (approved: boolean, decider: ReturnType<typeof who>, policy = DEFAULT_POLICY) =>
    checkDecision(policy, {
      plan: gated(),
      runId: 'run-1',
      submittedBy: 'alice',
      stepId: 'ok',
      approved,
      decider,
      tasks,
    });

  it('wants the approver role on an approval guarding a gated task', () => {
    expect(codeOf(() => decide(true, who('operator')))).toBe('APPROVAL_FORBIDDEN');
    expect(decide(true, who('approver', 'bob')).waivers).toEqual([]);
  });

  it('refuses self-approval unless the role may, which is then a waiver; self-rejection is fine', () => {
    expect(codeOf(() => decide(true, who('approver', 'alice')))).toBe('APPROVAL_SELF');
    expect(decide(false, who('approver', 'alice')).waivers).toEqual([]);
    expect(decide(true, who('admin', 'alice')).waivers).toEqual([
      { kind: 'selfApproval', step: 'ok', subject: 'deploy.http' },
    ]);
    const strict = parsePolicyText('approval:\n  selfApproval: []\n');
    expect(codeOf(() => decide(true, who('admin', 'alice'), strict))).toBe('APPROVAL_SELF');
  });

  it('does not constrain approvals that guard no gated task', () => {
    const p = plan({
      name: 'p',
      steps: [
        { id: 'ok', kind: 'approval', message: 'go?' },
        { id: 'n', task: 'notify.send', dependsOn: ['ok'], with: { channel: 'console', text: 'x' } },
      ],
    });
    const r = checkDecision(DEFAULT_POLICY, {
      plan: p,
      runId: 'r',
      submittedBy: 'vera',
      stepId: 'ok',
      approved: true,
      decider: who('viewer', 'vera'),
      tasks,
    });
    expect(r.waivers).toEqual([]);
  });
});

describe('the policy file', () => {
  it('is the defaults when absent, re-read when it changes, and refused with every problem when invalid', () => {
    const ws = makeWorkspace();
    onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
    const config = loadConfig({ workspace: ws }, {});
    expect(loadPolicy(config)).toEqual(DEFAULT_POLICY);
    mkdirSync(config.stateDir, { recursive: true });
    writeFileSync(config.policyFile, 'waivers:\n  roles: [operator]\n');
    expect(loadPolicy(config).waivers.roles).toEqual(['operator']);
    writeFileSync(
      config.policyFile,
      'waivers:\n  roles: [root]\napproval:\n  approverRole: boss\nextra: 1\n',
    );
    try {
      loadPolicy(config);
      expect.unreachable();
    } catch (e) {
      const problems = (e as { details: { problems: { path: string }[] } }).details.problems;
      expect(problems.map((p) => p.path).sort()).toEqual(['', 'approval.approverRole', 'waivers.roles[0]']);
    }
  });

  it('is found at PIPEWRIGHT_POLICY', () => {
    const ws = makeWorkspace();
    onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
    const file = path.join(ws, 'elsewhere.yaml');
    writeFileSync(file, 'serving:\n  predict: token\n');
    const config = loadConfig({ workspace: ws }, { PIPEWRIGHT_POLICY: file });
    expect(loadPolicy(config).serving.predict).toBe('token');
  });
});

describe('the local identity', () => {
  it('is admin in a library, the policy CLI role at the CLI (operator on Postgres), or the token', () => {
    const ws = makeWorkspace();
    const config = loadConfig({ workspace: ws, user: 'me' }, {});
    const store = new RunStore(stateTarget(config));
    onTestFinished(() => {
      store.close();
      rmSync(ws, { recursive: true, force: true });
    });
    expect(new PolicyGuard(config, store).localIdentity()).toEqual({
      name: 'me',
      role: 'admin',
      via: 'library',
    });
    expect(new PolicyGuard(config, store).actAsCli().localIdentity()).toMatchObject({
      role: 'admin',
      via: 'cli',
    });
    const shared = Object.create(store, { db: { value: { ...store.db, dialect: 'postgres' } } }) as RunStore;
    expect(new PolicyGuard(config, shared).actAsCli().localIdentity().role).toBe('operator');
    // A token's identity wins over the local name.
    const { token } = new AuthStore(store).createToken({ name: 'tok', role: 'viewer', createdBy: 't' });
    expect(new PolicyGuard({ ...config, token }, store).actAsCli().localIdentity()).toEqual({
      name: 'tok',
      role: 'viewer',
      via: 'cli-token',
    });
    expect(
      codeOf(() =>
        new PolicyGuard({ ...config, token: 'pw_000000000000_x' }, store).actAsCli().localIdentity(),
      ),
    ).toBe('UNAUTHORIZED');
  });
});

describe('egress checks', () => {
  it('knows loopback, link-local, private and mapped addresses from public ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '100.64.0.1',
      '0.0.0.0',
    ])
      expect(isInternalAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])
      expect(isInternalAddress(a), a).toBe(false);
  });

  it('allows hosts by name, suffix, address or range', () => {
    expect(hostAllowed(['db.corp'], 'db.corp', '10.0.0.5')).toBe(true);
    expect(hostAllowed(['*.corp'], 'db.corp', '10.0.0.5')).toBe(true);
    expect(hostAllowed(['10.0.0.0/8'], 'db.corp', '10.0.0.5')).toBe(true);
    expect(hostAllowed(['10.0.0.0/8'], 'db.corp', '192.168.0.5')).toBe(false);
    expect(hostAllowed(['127.0.0.1'], 'localhost', '127.0.0.1')).toBe(true);
    expect(hostAllowed([], 'localhost', '127.0.0.1')).toBe(false);
  });
});

describe('redaction', () => {
  it('replaces known secrets (also JSON-escaped) and API tokens, keeping JSON valid', () => {
    const ws = makeWorkspace();
    onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
    const config = loadConfig(
      { workspace: ws, llmApiKey: 'sk-"quoted"-secret', slackBotToken: 'xoxb-abc-123456' },
      {},
    );
    const redact = secretRedactor(config);
    const json = JSON.stringify({
      line: 'key sk-"quoted"-secret and xoxb-abc-123456 and pw_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    const out = redact(json);
    expect(JSON.parse(out)).toEqual({ line: 'key [redacted] and [redacted] and [redacted]' });
    expect(redactSecrets('short abc', ['abc'])).toBe('short abc');
  });
});
