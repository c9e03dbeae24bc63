import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerTokenCommands } from '../../src/cli/commands/tokens.ts';
import { AuthStore, RunStore } from '../../src/store/index.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

async function cli(workspace: string, args: string[]): Promise<string> {
  const program = new Command('pipewright')
    .option('--json')
    .option('-w, --workspace <dir>')
    .option('--as <user>');
  program.exitOverride();
  registerTokenCommands(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'pipewright', '-w', workspace, '--as', 'boss', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

describe('pipewright token', () => {
  afterEach(() => vi.restoreAllMocks());

  it('creates a token shown once, lists it without the secret, and revokes it', async () => {
    const workspace = makeWorkspace();
    const token = (await cli(workspace, ['token', 'create', '--role', 'approver', '--name', 'alice'])).trim();
    expect(token).toMatch(/^pw_[a-f0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const list = await cli(workspace, ['token', 'list']);
    expect(list).toMatch(/alice\s+approver/);
    expect(list).not.toContain(token);
    const store = new RunStore(path.join(workspace, '.pipewright', 'state.db'));
    const auth = new AuthStore(store);
    expect(auth.verify(token)).toMatchObject({ name: 'alice', role: 'approver', createdBy: 'boss' });
    await cli(workspace, ['token', 'revoke', 'alice']);
    expect(auth.verify(token)).toBeUndefined();
    await cli(workspace, ['token', 'slack-link', 'U0ALICE', '--name', 'alice', '--role', 'approver']);
    expect(auth.slackUser('U0ALICE')).toMatchObject({ name: 'alice', role: 'approver' });
    expect(store.listAudit().map((a) => a.action)).toEqual(['slack.link', 'token.revoke', 'token.create']);
    await expect(cli(workspace, ['token', 'create', '--role', 'king', '--name', 'x'])).rejects.toMatchObject({
      code: 'ROLE_INVALID',
    });
    store.close();
  });
});
