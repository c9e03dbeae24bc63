/**
 * `pipewright policy show`: the policy in force (the file, or the defaults where it says nothing), where it
 * came from, who this CLI user is under it, and whether step processes are sealed on this machine. An
 * invalid policy file is reported with every problem (exit 2), as runs would be refused with it.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { type GlobalOptions, openStore } from '../context.ts';
import { printJson } from '../output.ts';

export function registerPolicyCommand(program: Command): void {
  const policy = program
    .command('policy')
    .description('the server policy: approvals, waivers, secrets, egress, serving, sandbox, limits');

  policy
    .command('show')
    .description('print the policy in force, its file, your identity under it and the sandbox state')
    .action(async () => {
      const g = program.opts() as GlobalOptions;
      const [{ loadPolicy, PolicyGuard }, { sandboxMode }, { AuthStore }, { stringify }] = await Promise.all([
        import('../../policy/index.ts'),
        import('../../../tools/lib/sandbox.ts'),
        import('../../store/index.ts'),
        import('yaml'),
      ]);
      const ctx = await openStore(g);
      try {
        const effective = loadPolicy(ctx.config);
        const you = new PolicyGuard(ctx.config, ctx.store).actAsCli().localIdentity();
        let sandbox: { mode: string; why?: string };
        try {
          sandbox = sandboxMode(ctx.config);
        } catch (e) {
          sandbox = { mode: 'unavailable (steps will fail)', why: (e as Error).message };
        }
        const file = { path: ctx.config.policyFile, exists: existsSync(ctx.config.policyFile) };
        const tokens = new AuthStore(ctx.store).activeTokenCount();
        if (g.json) return printJson({ file, policy: effective, you, sandbox, tokens });
        process.stdout.write(
          [
            `# policy: ${file.path}${file.exists ? '' : ' (no file: the defaults below)'}`,
            `# you: ${you.name} as ${you.role} (${you.via === 'cli-token' ? 'PIPEWRIGHT_TOKEN' : 'local CLI user'})`,
            `# step sandbox: ${sandbox.mode}${sandbox.why ? ` (${sandbox.why})` : ''}`,
            `# API tokens: ${tokens} live`,
            stringify(effective, { lineWidth: 110 }).trimEnd(),
            '',
          ].join('\n'),
        );
      } finally {
        ctx.close();
      }
    });
}
