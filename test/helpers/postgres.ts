/**
 * A real PostgreSQL for integration tests: PIPEWRIGHT_TEST_POSTGRES_URL when set, otherwise a throwaway
 * cluster started from the Debian PostgreSQL binaries on a free 127.0.0.1 port (as the postgres user when
 * running as root, since postgres refuses to run as root). Missing binaries are an error, not a skip.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';

export interface TestPostgres {
  /** Connection string with a password, e.g. postgres://pw:secret@127.0.0.1:5433/postgres */
  url: string;
  password: string;
  stop(): Promise<void>;
}

function findBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const v = versions[0];
  if (!v) {
    throw new Error(
      'PostgreSQL is not available for the integration tests: set PIPEWRIGHT_TEST_POSTGRES_URL to a server ' +
        'the tests may create tables in, or install the server binaries (apt-get install -y postgresql).',
    );
  }
  return path.join(root, v, 'bin');
}

export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env.PIPEWRIGHT_TEST_POSTGRES_URL;
  if (external) {
    const password = decodeURIComponent(new URL(external).password);
    return { url: external, password, stop: async () => {} };
  }
  const bin = findBin();
  const asRoot = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) =>
    execFileSync(
      asRoot ? 'runuser' : path.join(bin, cmd),
      asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...args] : args,
      {
        stdio: 'pipe',
        timeout: 60_000,
      },
    );
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-pg-'));
  const password = 's3cr3t-pw!';
  writeFileSync(path.join(dir, 'pwfile'), password);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chownSync(path.join(dir, 'pwfile'), uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    run('initdb', [
      '-D',
      data,
      '-U',
      'pw',
      '--auth=scram-sha-256',
      `--pwfile=${path.join(dir, 'pwfile')}`,
      '-E',
      'UTF8',
    ]);
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not start a test PostgreSQL: ${err.stderr?.toString() || err.message}`);
  }
  return {
    url: `postgres://pw:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    password,
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
