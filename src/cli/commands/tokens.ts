/**
 * `pipewright token create|list|revoke` (API bearer tokens, shown once, stored hashed) and
 * `pipewright token slack-link|slack-unlink|slack-users` (Slack user id → identity and role).
 */
import type { Command } from 'commander';
import type { AuthStore } from '../../store/index.ts';
import { ROLES } from '../../store/types.ts';
import { type GlobalOptions, openStore } from '../context.ts';
import { printJson, shortTime, table } from '../output.ts';

export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description(`API tokens and Slack users, with roles (${ROLES.join(' < ')})`);

  const withAuth = async <T>(fn: (auth: AuthStore, user: string, json: boolean) => T): Promise<T> => {
    const g = program.opts() as GlobalOptions;
    const { AuthStore } = await import('../../store/index.ts');
    const ctx = await openStore(g);
    try {
      return fn(new AuthStore(ctx.store), ctx.config.user, g.json === true);
    } finally {
      ctx.close();
    }
  };

  token
    .command('create')
    .description('create a bearer token; it is printed once and only its hash is kept')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption('--name <name>', 'identity recorded on everything done with the token')
    .action((opts: { role: string; name: string }) =>
      withAuth((auth, user, json) => {
        const { token: secret, record } = auth.createToken({
          name: opts.name,
          role: opts.role,
          createdBy: user,
        });
        if (json) return printJson({ token: secret, ...record });
        process.stdout.write(`${secret}\n`);
        process.stderr.write(
          `token "${record.name}" (${record.role}, id ${record.id}) created; copy it now, it is not shown again.\n` +
            'Send it as: Authorization: Bearer <token>\n',
        );
      }),
    );

  token
    .command('list')
    .description('list tokens (never their secret)')
    .option('--all', 'include revoked tokens')
    .action((opts: { all?: boolean }) =>
      withAuth((auth, _user, json) => {
        const tokens = auth.listTokens({ all: opts.all === true });
        if (json) return printJson(tokens);
        if (!tokens.length) {
          process.stdout.write(
            'no tokens; create one with `pipewright token create --role admin --name <you>`\n',
          );
          return;
        }
        process.stdout.write(
          `${table(
            ['ID', 'NAME', 'ROLE', 'CREATED', 'BY', 'LAST USED', 'REVOKED'],
            tokens.map((t) => [
              t.id,
              t.name,
              t.role,
              shortTime(t.createdAt),
              t.createdBy,
              shortTime(t.lastUsedAt),
              shortTime(t.revokedAt),
            ]),
          )}\n`,
        );
      }),
    );

  token
    .command('revoke')
    .description('revoke a token by id or name; requests with it get 401 at once')
    .argument('<token>', 'token id or name')
    .action((idOrName: string) =>
      withAuth((auth, user, json) => {
        const r = auth.revokeToken(idOrName, user);
        if (json) return printJson(r);
        process.stdout.write(`revoked token "${r.name}" (${r.id})\n`);
      }),
    );

  token
    .command('slack-link')
    .description('let a Slack user act as a pipewright identity with a role')
    .argument('<slack-user-id>', 'Slack member id, e.g. U012AB3CD')
    .requiredOption('--name <name>', 'pipewright identity (recorded on decisions)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .action((slackUserId: string, opts: { name: string; role: string }) =>
      withAuth((auth, user, json) => {
        const r = auth.linkSlackUser({ slackUserId, name: opts.name, role: opts.role, createdBy: user });
        if (json) return printJson(r);
        process.stdout.write(`Slack user ${r.slackUserId} acts as ${r.name} (${r.role})\n`);
      }),
    );

  token
    .command('slack-unlink')
    .description('remove a Slack user link')
    .argument('<slack-user-id>', 'Slack member id')
    .action((slackUserId: string) =>
      withAuth((auth, user, json) => {
        auth.unlinkSlackUser(slackUserId, user);
        if (json) return printJson({ unlinked: slackUserId });
        process.stdout.write(`Slack user ${slackUserId} unlinked\n`);
      }),
    );

  token
    .command('slack-users')
    .description('list Slack users linked to identities')
    .action(() =>
      withAuth((auth, _user, json) => {
        const users = auth.listSlackUsers();
        if (json) return printJson(users);
        process.stdout.write(
          users.length
            ? `${table(
                ['SLACK USER', 'NAME', 'ROLE', 'LINKED', 'BY'],
                users.map((u) => [u.slackUserId, u.name, u.role, shortTime(u.createdAt), u.createdBy]),
              )}\n`
            : 'no Slack users linked\n',
        );
      }),
    );
}
