/**
 * Sealed step processes. Every program a task starts (shell.exec, python.script, the training runners,
 * your training command, the model server) runs in a bubblewrap sandbox:
 *   - its own PID namespace (--unshare-pid): it sees no other process, so not the coordinator's
 *     environment, memory or open files; --die-with-parent: the whole tree dies with the step's parent,
 *     and with the step when its first process ends; --new-session: no terminal to inject into;
 *   - the system (/usr, /etc, ...) read-only; the workspace and the step's scratch dir writable; the state
 *     folder hidden except the artifacts and models (read-only) and the step's own model output folder,
 *     so no view of the run records, tokens, checkpoints, policy or prediction logs; /tmp and $HOME empty;
 *   - a clean environment (childEnv's allowlist), plus the secrets the step declared and the policy granted.
 * Where bubblewrap cannot run (not installed, no user namespaces) and PIPEWRIGHT_SANDBOX is not "bwrap",
 * the step still runs, in its own process group that is killed as a group, tied to its parent by
 * setpriv --pdeathsig, and says so loudly in the step log and on stderr: the fallback does not hide the
 * coordinator's files. PIPEWRIGHT_SANDBOX=off forces that fallback (tests, hosts without namespaces).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { execa, type Options, type ResultPromise } from 'execa';
import type { Config } from '../../src/config.ts';
import { PipewrightError, userError } from '../../src/errors.ts';
import { loadPolicy, type Policy, policySecretValues } from '../../src/policy/index.ts';
import { recordAttemptProcess, type TaskContext } from '../../src/tasks/index.ts';
import { findProgram, tiedToParent } from './child-lifetime.ts';

const BWRAP = '/usr/bin/bwrap';

/** The Python runner scripts (tools/train/python): read-only in every sandbox. */
const RUNNERS_DIR = new URL('../train/python/', import.meta.url).pathname;

/** System folders bound read-only (a symlink such as /bin -> usr/bin is recreated as a symlink). */
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/sys'];

let probe: { ok: boolean; why?: string } | undefined;

/** Whether bubblewrap can start a sandbox here (checked once per process). */
export function sandboxAvailable(): { ok: boolean; why?: string } {
  probe ??= probeBwrap();
  return probe;
}

function probeBwrap(): { ok: boolean; why?: string } {
  if (process.platform !== 'linux') return { ok: false, why: `${process.platform} is not Linux` };
  if (!existsSync(BWRAP)) return { ok: false, why: `${BWRAP} is not installed` };
  const r = spawnSync(
    BWRAP,
    [
      '--unshare-pid',
      '--die-with-parent',
      '--new-session',
      '--ro-bind',
      '/',
      '/',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      'true',
    ],
    { timeout: 10_000, encoding: 'utf8' },
  );
  if (r.status === 0) return { ok: true };
  return { ok: false, why: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0] };
}

export type SandboxMode = 'bwrap' | 'fallback';

/** The mode steps run in under this config; throws when the config requires bubblewrap and it cannot run. */
export function sandboxMode(config: Pick<Config, 'sandbox'>): { mode: SandboxMode; why?: string } {
  if (config.sandbox === 'off') return { mode: 'fallback', why: 'PIPEWRIGHT_SANDBOX=off' };
  const p = sandboxAvailable();
  if (p.ok) return { mode: 'bwrap' };
  if (config.sandbox === 'bwrap') {
    throw new PipewrightError({
      code: 'SANDBOX_UNAVAILABLE',
      category: 'system',
      retryable: false,
      what: 'Step processes must run in a bubblewrap sandbox, and it cannot start here',
      why: p.why ?? 'unknown',
      fix: 'Install bubblewrap (apt-get install bubblewrap) on a kernel with user namespaces, or set PIPEWRIGHT_SANDBOX=auto to accept the process-group fallback.',
    });
  }
  return { mode: 'fallback', ...(p.why ? { why: p.why } : {}) };
}

let warnedOnStderr = false;

/** The loud part of the fallback: once on stderr per process, and in every affected step's log. */
function warnFallback(
  why: string | undefined,
  log?: (message: string, data?: Record<string, unknown>) => void,
) {
  const message = `SANDBOX UNAVAILABLE (${why ?? 'unknown'}): this step's processes run unsealed, in their own process group; they can read what this user can read. Install bubblewrap (see docs/security.md).`;
  if (!warnedOnStderr) {
    warnedOnStderr = true;
    process.stderr.write(`pipewright: warning: ${message}\n`);
  }
  log?.(message, { sandbox: 'fallback', ...(why ? { why } : {}) });
}

const within = (root: string, p: string) => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
};

const real = (p: string) => {
  try {
    return realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
};

/** How long the system's mounts and interpreter prefixes are reused before they are read again. */
const REUSE_MS = 10_000;
const prefixes = new Map<string, { at: number; prefix: string | undefined }>();

/** The install prefix of an interpreter (…/bin/python3 → …), so a virtualenv or pyenv Python works inside. */
function prefixOf(program: string, pathVar: string | undefined): string | undefined {
  const key = `${program}\0${pathVar ?? ''}`;
  const now = Date.now();
  const hit = prefixes.get(key);
  if (hit && now - hit.at < REUSE_MS) return hit.prefix;
  const prefix = readPrefix(program, pathVar);
  prefixes.set(key, { at: now, prefix });
  return prefix;
}

function readPrefix(program: string, pathVar: string | undefined): string | undefined {
  const found = program.includes('/')
    ? program
    : (pathVar ?? '')
        .split(':')
        .map((d) => path.join(d || '.', program))
        .find((c) => existsSync(c));
  if (!found) return undefined;
  return path.dirname(path.dirname(real(found)));
}

export interface SealOptions {
  config: Config;
  policy: Policy;
  cwd: string;
  env: Record<string, string>;
  /** Folders the process may write (besides none). */
  writable: string[];
  /** Folders it may read besides the system. */
  readable: string[];
  /** Folders hidden by an empty tmpfs (e.g. the state folder under a writable workspace). */
  hidden: string[];
}

type Mount = { op: string; src?: string; dest: string };

let system: { at: number; mounts: Mount[] } | undefined;

/** The system folders, /proc, /dev (with the GPUs' device nodes) and /tmp: read again every 10 s. */
function systemMounts(): Mount[] {
  const now = Date.now();
  if (system && now - system.at < REUSE_MS) return system.mounts;
  const mounts: Mount[] = [];
  for (const dir of SYSTEM) {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) mounts.push({ op: '--symlink', src: readlinkSync(dir), dest: dir });
    else mounts.push({ op: '--ro-bind', src: dir, dest: dir });
  }
  if (existsSync('/run/systemd/resolve'))
    mounts.push({ op: '--ro-bind', src: '/run/systemd/resolve', dest: '/run/systemd/resolve' });
  mounts.push(
    { op: '--proc', dest: '/proc' },
    { op: '--dev', dest: '/dev' },
    { op: '--tmpfs', dest: '/tmp' },
  );
  try {
    for (const d of readdirSync('/dev')) {
      if (d.startsWith('nvidia')) mounts.push({ op: '--dev-bind', src: `/dev/${d}`, dest: `/dev/${d}` });
    }
  } catch {
    // no /dev listing: no GPUs to pass
  }
  system = { at: now, mounts };
  return mounts;
}

/** The bubblewrap arguments for a command; the command follows `--`. */
export function bwrapArgs(o: SealOptions, file: string, args: string[]): string[] {
  const mounts: Mount[] = [...systemMounts()];
  const home = o.env.HOME;
  if (home && home !== '/' && !o.writable.some((w) => within(w, home)))
    mounts.push({ op: '--tmpfs', dest: home });
  const bind = (op: string, p: string) => {
    const r = real(p);
    mounts.push({ op, src: r, dest: r });
    if (r !== path.resolve(p)) mounts.push({ op, src: r, dest: path.resolve(p) });
  };
  for (const p of o.readable) if (existsSync(p)) bind('--ro-bind', p);
  for (const p of o.hidden) {
    const r = real(p);
    mounts.push({ op: '--tmpfs', dest: r });
    if (r !== path.resolve(p)) mounts.push({ op: '--tmpfs', dest: path.resolve(p) });
  }
  for (const p of o.writable) if (existsSync(p)) bind('--bind', p);
  // Parents before children, so a later mount lands inside an earlier one (a tmpfs over the state folder
  // inside the workspace, then the scratch dir inside it); a writable bind wins over a hidden parent.
  const depth = (m: Mount) => m.dest.split('/').filter(Boolean).length;
  const order = ['--symlink', '--ro-bind', '--proc', '--dev', '--dev-bind', '--tmpfs', '--bind'];
  const sorted = mounts
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m) - depth(b.m) || order.indexOf(a.m.op) - order.indexOf(b.m.op) || a.i - b.i)
    .map(({ m }) => m);
  const out = [
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
    ...(o.policy.sandbox.network ? [] : ['--unshare-net']),
  ];
  for (const m of sorted) out.push(m.op, ...(m.src !== undefined ? [m.src] : []), m.dest);
  out.push('--chdir', o.cwd, '--', file, ...args);
  return out;
}

/** What a step process may see: its workspace, scratch dir and the read-only artifacts and models. */
export function stepMounts(
  ctx: Pick<TaskContext, 'config' | 'workspace' | 'scratchDir'>,
  policy: Policy,
  program: string,
  env: Record<string, string>,
  writable: string[] = [],
): Pick<SealOptions, 'writable' | 'readable' | 'hidden'> {
  const { stateDir } = ctx.config;
  const readable = [
    path.join(stateDir, 'artifacts'),
    path.join(stateDir, 'models'),
    RUNNERS_DIR,
    ...policy.sandbox.readOnly,
  ];
  for (const p of [prefixOf(program, env.PATH), prefixOf(ctx.config.python, env.PATH)]) {
    if (p && p !== '/' && !p.startsWith('/usr')) readable.push(p);
  }
  return {
    writable: [ctx.workspace, ctx.scratchDir, ...writable, ...policy.sandbox.writable],
    readable,
    // The state folder (records, tokens, checkpoints, policy, prediction logs) is hidden wherever it is.
    hidden: [stateDir, ...Object.values(policy.secrets).map((s) => path.dirname(s.file))].filter(
      (h) => h !== '/' && !SYSTEM.includes(h),
    ),
  };
}

/** The values of the secrets a step declared, as the policy grants them (checked again at submission). */
function declaredSecrets(ctx: TaskContext, policy: Policy): Record<string, string> {
  const names = ctx.secrets ?? [];
  if (names.length === 0) return {};
  const values = policySecretValues(policy);
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = values[name];
    if (!policy.secrets[name] || v === undefined) {
      throw userError(
        'SECRET_UNAVAILABLE',
        `Step "${ctx.stepId}" declared secret ${name}, which cannot be read now`,
        policy.secrets[name]
          ? `its file ${policy.secrets[name].file} is not readable by this process`
          : 'the policy no longer defines it',
        'Define the secret in the policy (secrets.<NAME>.file) with a file this process can read.',
      );
    }
    out[name] = v;
  }
  return out;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Folders it may write besides the workspace and its scratch dir (e.g. its model staging folder). */
  writable?: string[];
  /** Extra execa options (stdin, timeout, forceKillAfterDelay, ...); cwd/env/detached are set here. */
  execa?: Options;
}

/**
 * Starts a step's program sealed (or in the loud fallback), remembers its process for a resume to reap,
 * and kills whatever of its tree is left when it ends, is cancelled or times out.
 */
export function spawnStepProcess(
  ctx: TaskContext,
  file: string,
  args: string[],
  opts: SpawnOptions,
): { subprocess: ResultPromise; sandboxed: boolean } {
  const { mode, why } = sandboxMode(ctx.config);
  const policy = loadPolicy(ctx.config);
  const env: Record<string, string> = { ...opts.env, ...declaredSecrets(ctx, policy) };
  let program: string;
  let argv: string[];
  const resolved = file.includes('/') && !path.isAbsolute(file) ? path.resolve(opts.cwd, file) : file;
  if (mode === 'bwrap' && !findProgram(resolved, env.PATH)) {
    // Nothing to seal: starting it fails with the caller's own "not found" error.
    program = file;
    argv = args;
  } else if (mode === 'bwrap') {
    const sealedEnv = { ...env, TMPDIR: '/tmp' };
    program = BWRAP;
    argv = bwrapArgs(
      {
        config: ctx.config,
        policy,
        cwd: opts.cwd,
        env: sealedEnv,
        ...stepMounts(ctx, policy, file, env, opts.writable ?? []),
      },
      file,
      args,
    );
    Object.assign(env, sealedEnv);
  } else {
    warnFallback(why, ctx.log.warn);
    [program, argv] = tiedToParent(file, args, env, opts.cwd);
  }
  const subprocess = execa(program, argv, {
    ...opts.execa,
    cwd: opts.cwd,
    env,
    extendEnv: false,
    // Its own process group: cancel, timeout and the end of the step kill the whole group.
    detached: true,
  } as Options) as ResultPromise;
  const pid = subprocess.pid;
  const forget =
    pid === undefined
      ? () => {}
      : recordAttemptProcess(ctx.config.stateDir, {
          runId: ctx.runId,
          stepId: ctx.stepId,
          attempt: ctx.attempt,
          pid,
          group: true,
          sandboxed: mode === 'bwrap',
        });
  const killGroup = (signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  const onAbort = () => {
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 2000).unref();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const cleanup = () => {
    ctx.signal.removeEventListener('abort', onAbort);
    // Whatever the program left running in the background dies with the step.
    killGroup('SIGKILL');
    forget();
  };
  subprocess.then(cleanup, cleanup);
  return { subprocess, sandboxed: mode === 'bwrap' };
}

/**
 * Seals a long-lived helper that is not a step (the Python model server): read access to `readable`
 * only, no writable folder, nothing of the state folder besides what is listed. Returns the argv to start
 * and whether it is sealed (bubblewrap's --die-with-parent ties it to this process).
 */
export function sealHelper(
  config: Config,
  file: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string>; readable: string[] },
): { program: string; argv: string[]; env: Record<string, string>; sandboxed: boolean } {
  const { mode, why } = sandboxMode(config);
  if (mode === 'fallback') {
    warnFallback(why);
    const [program, argv] = tiedToParent(file, args, opts.env, opts.cwd);
    return { program, argv, env: opts.env, sandboxed: false };
  }
  const policy = loadPolicy(config);
  const env: Record<string, string> = { ...opts.env, TMPDIR: '/tmp' };
  const prefix = prefixOf(file, env.PATH);
  const readable = [...opts.readable, RUNNERS_DIR, ...policy.sandbox.readOnly];
  if (prefix && prefix !== '/' && !prefix.startsWith('/usr')) readable.push(prefix);
  const argv = bwrapArgs(
    {
      config,
      policy: { ...policy, sandbox: { ...policy.sandbox, network: false } },
      cwd: opts.cwd,
      env,
      writable: [],
      readable,
      hidden: [],
    },
    file,
    args,
  );
  return { program: BWRAP, argv, env, sandboxed: true };
}
