/**
 * `lineage`, `ask`, `memory rebuild`, `memory search`: the history of runs, data, models and decisions.
 * (`models rollback` lives with the other model commands in ./models.ts.)
 */
import type { Command } from 'commander';
import { userError } from '../../errors.ts';
import { type GlobalOptions, openStore } from '../context.ts';
import { printJson, shortTime, table } from '../output.ts';

const positiveInt = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw userError(
      'USAGE',
      `${name} must be a positive whole number, not "${raw}"`,
      undefined,
      `Example: ${name} 5`,
    );
  return n;
};

export function registerLineageCommands(program: Command): void {
  const global = () => program.opts() as GlobalOptions;

  program
    .command('lineage')
    .description('show where an entity came from (--up, default) or what came from it (--down)')
    .argument(
      '[entity]',
      'run id, dataset:<hash>, model:<name>@<version>, deployment:<id>, … (none: list recent)',
    )
    .option('--up', 'what it came from (default)')
    .option('--down', 'what came from it')
    .option('--depth <n>', 'how many edges to follow', '64')
    .option('--diff <run>', 'compare the run given as <entity> with this run: plan, data, params, metrics')
    .action(
      async (
        entity: string | undefined,
        opts: { up?: boolean; down?: boolean; depth: string; diff?: string },
      ) => {
        const g = global();
        const { diffRuns, lineageOf, renderTree } = await import('../../lineage/index.ts');
        const ctx = await openStore(g);
        try {
          const o = process.stdout;
          if (opts.diff) {
            if (!entity)
              throw userError(
                'USAGE',
                '--diff needs two runs',
                undefined,
                'pipewright lineage <runA> --diff <runB>',
              );
            const d = diffRuns(ctx.store, entity.replace(/^run:/, ''), opts.diff.replace(/^run:/, ''));
            if (g.json) return printJson(d);
            o.write(
              `a  ${d.a.runId}  ${d.a.plan}  ${d.a.status}\nb  ${d.b.runId}  ${d.b.plan}  ${d.b.status}\n`,
            );
            o.write(
              `plan  ${d.plan.same ? 'same' : 'changed'}${d.plan.stepsAdded.length ? `  added: ${d.plan.stepsAdded.join(', ')}` : ''}` +
                `${d.plan.stepsRemoved.length ? `  removed: ${d.plan.stepsRemoved.join(', ')}` : ''}` +
                `${d.plan.stepsChanged.length ? `  changed: ${d.plan.stepsChanged.join(', ')}` : ''}\n`,
            );
            const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));
            if (d.params.length)
              o.write(
                `\n${table(
                  ['step', 'param', 'a', 'b'],
                  d.params.map((p) => [p.step, p.path, show(p.a), show(p.b)]),
                )}\n`,
              );
            if (d.data.length)
              o.write(
                `\n${table(
                  ['step', 'data', 'a', 'b'],
                  d.data.map((p) => [p.step, p.path, p.a ?? '—', p.b ?? '—']),
                )}\n`,
              );
            if (d.metrics.length)
              o.write(
                `\n${table(
                  ['step', 'metric', 'a', 'b', 'delta'],
                  d.metrics.map((m) => [
                    m.step,
                    m.metric,
                    show(m.a),
                    show(m.b),
                    m.delta === undefined ? '' : m.delta.toFixed(4),
                  ]),
                )}\n`,
              );
            return;
          }
          const L = lineageOf(ctx.store);
          if (!entity) {
            const list = L.listEntities({ limit: 50 });
            if (g.json) return printJson(list);
            if (list.length === 0)
              return void o.write('Nothing recorded yet: lineage is recorded as runs execute.\n');
            return void o.write(
              `${table(
                ['id', 'kind', 'label', 'recorded'],
                list.map((e) => [e.id, e.kind, e.label, shortTime(e.createdAt)]),
              )}\n`,
            );
          }
          if (opts.up && opts.down)
            throw userError('USAGE', 'Give --up or --down, not both', undefined, 'Run the command twice.');
          const w = L.walk(entity, opts.down ? 'down' : 'up', positiveInt('--depth', opts.depth));
          if (g.json) return printJson(w);
          o.write(`${renderTree(w)}\n`);
        } finally {
          ctx.close();
        }
      },
    );

  program
    .command('ask')
    .description('ask the history: structural questions from lineage, fuzzy ones from run memory')
    .argument('<question>', 'e.g. "which data trained the model in production and who approved it?"')
    .option('-n, --limit <n>', 'how much evidence to gather', '8')
    .action(async (question: string, opts: { limit: string }) => {
      const g = global();
      const { ask } = await import('../../lineage/index.ts');
      const ctx = await openStore(g);
      try {
        const a = await ask(ctx.store, ctx.config, question, { limit: positiveInt('--limit', opts.limit) });
        if (g.json) return printJson(a);
        const o = process.stdout;
        o.write(`${a.answer}\n`);
        const cited = Object.entries(a.citations).filter(([, ids]) => ids.length);
        if (cited.length) {
          o.write('\nsources:\n');
          for (const [kind, ids] of cited) o.write(`  ${kind}: ${ids.join(', ')}\n`);
        }
      } finally {
        ctx.close();
      }
    });

  const memory = program.command('memory').description('run memory (LanceDB): search it or rebuild it');
  memory
    .command('rebuild')
    .description('recreate the memory table from every finished run in the run store')
    .action(async () => {
      const g = global();
      const { rebuildMemory } = await import('../../lineage/index.ts');
      const ctx = await openStore(g);
      try {
        const r = await rebuildMemory(ctx.store, ctx.config);
        if (g.json) return printJson(r);
        process.stdout.write(
          `Rebuilt run memory at ${r.dir}: ${r.runs} runs, ${r.documents} documents in ${(r.ms / 1000).toFixed(1)} s` +
            `${r.annIndex ? ' (ANN index built)' : ''}.\n`,
        );
      } finally {
        ctx.close();
      }
    });
  memory
    .command('search')
    .description('hybrid (vector + full-text) search over past runs')
    .argument('<text>', 'what to look for, e.g. "out of memory in training"')
    .option('--where <sql>', "filter, e.g. \"status = 'failed' AND pipeline = 'churn'\"")
    .option('-n, --limit <n>', 'how many hits', '10')
    .action(async (text: string, opts: { where?: string; limit: string }) => {
      const g = global();
      const { searchMemory } = await import('../../lineage/index.ts');
      const ctx = await openStore(g);
      try {
        const hits = await searchMemory(ctx.config, text, {
          limit: positiveInt('--limit', opts.limit),
          ...(opts.where ? { filter: opts.where } : {}),
        });
        if (g.json) return printJson(hits);
        if (hits.length === 0)
          return void process.stdout.write(
            'No hits. Memory fills as runs end; `pipewright memory rebuild` indexes runs recorded before.\n',
          );
        process.stdout.write(
          `${table(
            ['run', 'kind', 'status', 'pipeline', 'time', 'text'],
            hits.map((h) => [h.run_id, h.kind, h.status, h.pipeline, shortTime(h.time), h.text.slice(0, 90)]),
          )}\n`,
        );
      } finally {
        ctx.close();
      }
    });
}
