/**
 * `pipewright scheduler`: runs the triggers in the foreground (cron, file arrival, new objects in an S3
 * bucket, drift alerts → triage);
 * `scheduler add <plan.yaml>`, `scheduler list`, `scheduler remove <name>` manage them. Webhook triggers are
 * served by `pipewright serve` at POST /hooks/<name>.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { userError } from '../../errors.ts';
import type { TriggerDefInput } from '../../triggers/index.ts';
import { type GlobalOptions, openContext, openStore } from '../context.ts';
import { printJson, shortTime, table } from '../output.ts';

interface AddOptions {
  name?: string;
  cron?: string;
  timezone?: string;
  watch?: string;
  pattern?: string;
  input?: string;
  webhook?: boolean;
  secret?: string;
  onDrift?: boolean;
  model?: string;
  catchUp?: string;
  maxConcurrent?: string;
  onLimit?: string;
  bucket?: string;
  every?: string;
  existing?: string;
}

export function registerSchedulerCommand(program: Command): void {
  const global = () => program.opts() as GlobalOptions;

  const scheduler = program
    .command('scheduler')
    .description(
      'run plans on schedules, new files and drift alerts (foreground); add, list, remove triggers',
    )
    .option('--interval <ms>', 'how often to check for due ticks and new alerts', '1000')
    .option('-p, --port <port>', 'also serve webhook triggers at POST /hooks/<name> on this port')
    .option('--host <host>', 'address for --port', '127.0.0.1')
    .action(async (opts: { interval: string; port?: string; host: string }) => {
      const g = global();
      const [{ Scheduler }, triage] = await Promise.all([
        import('../../triggers/index.ts'),
        import('../../../agents/triage/index.ts'),
      ]);
      const ctx = await openContext(g);
      const detach = triage.attachTriageRecorder(ctx.store);
      const log = (line: string) => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const s = new Scheduler({
        engine: ctx.engine,
        log,
        onAlert: await triage.createAlertHandler(ctx.engine, ctx.config, log, {
          checkModel: (await import('../../../tools/triage/model-check.ts')).registeredModelChecker(
            ctx.config,
            ctx.store,
          ),
        }),
      });
      const interval = Number(opts.interval);
      if (!Number.isInteger(interval) || interval < 50)
        throw userError(
          'USAGE',
          `--interval must be at least 50 ms, not "${opts.interval}"`,
          undefined,
          'Example: --interval 1000',
        );
      s.start({ intervalMs: interval });
      let server: { close(): void } | undefined;
      if (opts.port !== undefined) {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw userError(
            'USAGE',
            `--port must be a port number, not "${opts.port}"`,
            undefined,
            'Example: --port 8081',
          );
        const [{ serve }, { triggerRoutes }] = await Promise.all([
          import('@hono/node-server'),
          import('../../triggers/index.ts'),
        ]);
        server = serve({ fetch: triggerRoutes(s).fetch, port, hostname: opts.host }, (info) =>
          log(`webhooks at http://${opts.host}:${info.port}/hooks/<name>`),
        );
      }
      const triggers = s.list();
      if (g.json) printJson({ started: true, triggers: triggers.map((t) => t.name) });
      else
        log(
          `scheduler running with ${triggers.length} trigger(s): ${triggers.map((t) => `${t.name} (${t.kind})`).join(', ') || 'none'}; Ctrl-C stops`,
        );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      server?.close();
      await s.stop();
      detach();
      // Runs still executing stay claimed by this process and resume on the next start.
      await ctx.close();
    });

  scheduler
    .command('add')
    .description('register triggers for a plan (its own trigger.schedule, or the options given)')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--name <name>', 'trigger name (default: the plan name, with -file/-hook/-drift for those kinds)')
    .option('--cron <expr>', 'cron schedule, e.g. "0 2 * * *"')
    .option('--timezone <tz>', 'IANA time zone of the schedule')
    .option('--watch <dir>', 'fire when a new file lands in this workspace folder')
    .option('--pattern <glob>', 'file name pattern for --watch', '*.csv')
    .option(
      '--input <name>',
      'plan input that receives the new file path (--watch: file) or s3:// address (--bucket: url)',
      'file',
    )
    .option('--webhook', 'fire on POST /hooks/<name>')
    .option('--secret <secret>', 'shared secret webhook callers must send (x-pipewright-hook-secret)')
    .option('--bucket <s3url>', 'fire once per new object under s3://bucket/prefix/ (or a glob, *.csv)')
    .option('--every <duration>', 'how often to list the bucket (--bucket)', '1m')
    .option('--existing <policy>', 'objects already in the bucket (--bucket): skip or fire', 'skip')
    .option('--on-drift', "triage the drift alerts this plan's runs raise")
    .option('--model <name>', 'the model the drift alerts are about (--on-drift)')
    .option('--catch-up <policy>', 'missed cron ticks: skip, one or all', 'one')
    .option('--max-concurrent <n>', 'unfinished runs of the pipeline allowed at once', '1')
    .option('--on-limit <policy>', 'at the limit: skip or queue', 'skip')
    .action(async (file: string, opts: AddOptions, cmd: Command) => {
      const g = global();
      const given = (option: string) => cmd.getOptionValueSource(option) === 'cli';
      const [{ checkBucketPlan, parseTriggerDef, Scheduler, triggerFromPlan }, { parsePlan, readPlanFile }] =
        await Promise.all([import('../../triggers/index.ts'), import('../../plan/index.ts')]);
      const ctx = await openContext(g);
      try {
        const raw = await readPlanFile(file);
        const plan = parsePlan(raw, ctx.registry);
        const common = {
          catchUp: opts.catchUp,
          maxConcurrent: Number(opts.maxConcurrent),
          onLimit: opts.onLimit,
        };
        const defs: TriggerDefInput[] = [];
        const own = triggerFromPlan(plan);
        if (
          opts.cron ||
          (own?.kind === 'cron' && !opts.watch && !opts.webhook && !opts.onDrift && !opts.bucket)
        ) {
          const spec = opts.cron
            ? { schedule: opts.cron, ...(opts.timezone ? { timezone: opts.timezone } : {}) }
            : own?.kind === 'cron'
              ? own.spec
              : { schedule: '' };
          defs.push({ ...common, name: opts.name ?? plan.name, kind: 'cron', spec } as TriggerDefInput);
        }
        if (opts.watch)
          defs.push({
            ...common,
            name: opts.name ?? `${plan.name}-file`,
            kind: 'file',
            spec: { path: opts.watch, pattern: opts.pattern, input: opts.input },
          } as TriggerDefInput);
        const bucket = opts.bucket ?? (own?.kind === 'bucket' && !defs.length ? own.spec.url : undefined);
        if (bucket)
          defs.push({
            ...common,
            // A new object must not be dropped at the concurrency limit: bucket fires queue by default.
            onLimit: given('onLimit') ? opts.onLimit : 'queue',
            name: opts.name ?? `${plan.name}-bucket`,
            kind: 'bucket',
            spec: {
              url: bucket,
              input: given('input') ? opts.input : 'url',
              every: opts.every,
              existing: opts.existing,
            },
          } as TriggerDefInput);
        if (opts.webhook)
          defs.push({
            ...common,
            name: opts.name ?? `${plan.name}-hook`,
            kind: 'webhook',
            spec: opts.secret ? { secret: opts.secret } : {},
          } as TriggerDefInput);
        if (opts.onDrift || (own?.kind === 'drift' && !defs.length))
          defs.push({
            ...common,
            name: opts.name && !defs.length ? opts.name : `${plan.name}-drift`,
            kind: 'drift',
            spec: { plan: plan.name, ...(opts.model ? { model: opts.model } : {}) },
          } as TriggerDefInput);
        if (!defs.length) {
          throw userError(
            'TRIGGER_NONE',
            `Plan ${plan.name} declares no trigger and none was given`,
            'the plan has no trigger.schedule',
            'Pass --cron "<expr>", --watch <dir>, --bucket s3://…/, --webhook or --on-drift, or add trigger.schedule or trigger.bucket to the plan.',
          );
        }
        const s = new Scheduler({ engine: ctx.engine, execute: false });
        const parsed = defs.map((d) => parseTriggerDef(d));
        for (const d of parsed) if (d.kind === 'bucket') checkBucketPlan(d, plan);
        const added = parsed.map((d) => s.add(d, raw, { planPath: path.resolve(file), by: ctx.config.user }));
        if (g.json) return printJson(added.map(({ plan: _p, ...t }) => t));
        for (const t of added)
          process.stdout.write(
            `added trigger ${t.name} (${t.kind} ${JSON.stringify(t.spec)}) for plan ${t.planName}\n`,
          );
        process.stdout.write('Run `pipewright scheduler` to start firing.\n');
      } finally {
        await ctx.close();
      }
    });

  scheduler
    .command('list')
    .description('list triggers, their last tick and latest fire')
    .action(async () => {
      const g = global();
      const { TriggerStore } = await import('../../store/index.ts');
      const ctx = await openStore(g);
      try {
        const triggers = new TriggerStore(ctx.store.db);
        const list = triggers.listTriggers().map(({ plan: _p, ...t }) => ({
          ...t,
          lastFire: triggers.listFires({ trigger: t.name }).at(-1),
        }));
        if (g.json) return printJson(list);
        if (!list.length)
          return void process.stdout.write(
            'No triggers. Add one with `pipewright scheduler add <plan.yaml>`.\n',
          );
        process.stdout.write(
          `${table(
            ['trigger', 'kind', 'spec', 'plan', 'last tick', 'last fire'],
            list.map((t) => [
              t.name,
              t.kind,
              JSON.stringify(t.spec).slice(0, 40),
              t.planName,
              shortTime(t.lastTick),
              t.lastFire ? `${t.lastFire.status}${t.lastFire.runId ? ` ${t.lastFire.runId}` : ''}` : '',
            ]),
          )}\n`,
        );
      } finally {
        ctx.close();
      }
    });

  scheduler
    .command('remove')
    .description('remove a trigger (its fire records stay)')
    .argument('<name>', 'trigger name')
    .action(async (name: string) => {
      const g = global();
      const { TriggerStore } = await import('../../store/index.ts');
      const ctx = await openStore(g);
      try {
        const triggers = new TriggerStore(ctx.store.db);
        triggers.requireTrigger(name);
        triggers.removeTrigger(name);
        if (g.json) return printJson({ removed: name });
        process.stdout.write(`removed trigger ${name}\n`);
      } finally {
        ctx.close();
      }
    });
}
