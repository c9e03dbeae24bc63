/**
 * `models list`, `models show <name>`, `models rollback <name>`: the model registry from a terminal. A
 * rollback is a deployment change made outside any run: audited, and recorded in the lineage graph.
 */
import type { Command } from 'commander';
import type { ModelRegistry, ModelVersionRecord } from '../../store/index.ts';
import { type GlobalOptions, openStore } from '../context.ts';
import { printJson, shortTime, table } from '../output.ts';

/** Counts and settings recorded beside metrics: shown in --json, never as a metric column. */
const NOT_A_METRIC = /folds?$|^n_|_count$|^rows$|_rows$|seconds$/i;
const MAX_METRIC_COLUMNS = 6;

const plain = new Intl.NumberFormat('en', { maximumSignificantDigits: 4, useGrouping: false });
/** A metric as people read it: four significant digits, never scientific notation. */
export const metricText = (x: number | undefined) =>
  typeof x === 'number' && Number.isFinite(x) ? (Number.isInteger(x) ? String(x) : plain.format(x)) : '-';

/** The metric columns for a set of versions: the first version's order, then any others; settings left out. */
export function metricColumns(versions: Pick<ModelVersionRecord, 'metrics'>[]): string[] {
  const names: string[] = [];
  for (const v of versions)
    for (const n of Object.keys(v.metrics ?? {}))
      if (!names.includes(n) && !NOT_A_METRIC.test(n)) names.push(n);
  return names;
}

async function openRegistry(g: GlobalOptions) {
  const [{ ModelRegistry }, ctx] = await Promise.all([import('../../store/index.ts'), openStore(g)]);
  return { ctx, registry: new ModelRegistry(ctx.store.db) as ModelRegistry };
}

export function registerModelCommands(program: Command): void {
  const global = () => program.opts() as GlobalOptions;
  const models = program
    .command('models')
    .description('the model registry: list the models, show one (versions, metrics, aliases), roll one back');

  models
    .command('list')
    .description('registered models: latest version, aliases, what is served, latest metrics')
    .action(async () => {
      const g = global();
      const { ctx, registry } = await openRegistry(g);
      try {
        const list = registry.listModels().map((m) => ({
          ...m,
          aliases: registry.getAliases(m.name),
          deployment: registry.activeDeployment(m.name) ?? null,
          metrics: m.latestVersion ? registry.getVersion(m.name, m.latestVersion).metrics : {},
        }));
        if (g.json) return printJson(list);
        if (!list.length)
          return void process.stdout.write(
            'No registered models. A plan registers one with a model.register step, e.g. `pipewright run examples/penguins.yaml`.\n',
          );
        process.stdout.write(
          `${table(
            ['model', 'latest', 'aliases', 'served', 'latest metrics'],
            list.map((m) => [
              m.name,
              `v${m.latestVersion}`,
              Object.entries(m.aliases)
                .map(([a, v]) => `${a}=v${v}`)
                .join(' ') || '-',
              m.deployment
                ? `${m.deployment.alias} v${m.deployment.version}${m.deployment.kind === 'rollback' ? ' (rolled back)' : ''} since ${shortTime(m.deployment.createdAt)}`
                : 'not deployed',
              metricColumns([{ metrics: m.metrics }])
                .slice(0, 3)
                .map((n) => `${n} ${metricText(m.metrics[n])}`)
                .join(', '),
            ]),
          )}\n`,
        );
        process.stdout.write('\nDetails: pipewright models show <model>\n');
      } finally {
        ctx.close();
      }
    });

  models
    .command('show')
    .description(
      'one model: its versions with their metrics side by side, what is served, alias moves, deployments',
    )
    .argument('<name>', 'model name')
    .action(async (name: string) => {
      const g = global();
      const { ctx, registry } = await openRegistry(g);
      try {
        const versions = registry.listVersions(name);
        const serving = registry.servingState(name);
        const history = registry.aliasHistory(name);
        const deployments = registry.listDeployments(name, 20);
        if (g.json)
          return printJson({
            name,
            aliases: registry.getAliases(name),
            serving: {
              alias: serving.alias,
              version: serving.version ?? null,
              canary: serving.canary ?? null,
            },
            versions: versions.map(({ ref, ...v }) => ({ ...v, hash: ref.hash })),
            aliasHistory: history,
            deployments,
          });
        const o = process.stdout;
        o.write(
          `model ${name}: ${
            serving.version === undefined
              ? `nothing served (no version behind ${serving.alias})`
              : `serving v${serving.version} as ${serving.alias}${serving.canary ? `, canary v${serving.canary.version} on ${Math.round(serving.canary.share * 100)}% of traffic` : ''}`
          }\n\n`,
        );
        const all = metricColumns(versions);
        const cols = all.slice(0, MAX_METRIC_COLUMNS);
        o.write(
          `${table(
            ['version', 'aliases', ...cols, 'data', 'run', 'registered'],
            versions.map((v) => [
              `v${v.version}${v.version === serving.version ? ' *' : ''}`,
              v.aliases.join(',') || '-',
              ...cols.map((n) => metricText(v.metrics[n])),
              v.datasetVersion ?? '-',
              v.runId ?? '-',
              `${shortTime(v.createdAt)} by ${v.createdBy}`,
            ]),
          )}\n`,
        );
        o.write(
          `  * served now${all.length > cols.length ? `; ${all.length - cols.length} more metrics with --json` : ''}\n`,
        );
        if (history.length) {
          o.write('\nalias moves (newest first)\n');
          o.write(
            `${table(
              ['when', 'alias', 'move', 'how', 'by', 'why'],
              [...history]
                .reverse()
                .slice(0, 10)
                .map((a) => [
                  shortTime(a.at),
                  a.alias,
                  `${a.fromVersion === undefined ? '-' : `v${a.fromVersion}`} -> v${a.toVersion}`,
                  a.action,
                  a.by,
                  a.reason ?? '',
                ]),
            )}\n`,
          );
        }
        if (deployments.length) {
          o.write('\ndeployments (newest first)\n');
          o.write(
            `${table(
              ['when', 'deployment', 'what', 'status', 'by', 'run'],
              deployments
                .slice(0, 5)
                .map((d) => [
                  shortTime(d.createdAt),
                  d.id,
                  `${d.kind} ${d.alias} -> v${d.version}`,
                  d.status,
                  d.createdBy,
                  d.runId ?? '-',
                ]),
            )}\n`,
          );
        }
        o.write(`\nLineage of a version: pipewright lineage model:${name}@<version>\n`);
      } finally {
        ctx.close();
      }
    });

  models
    .command('rollback')
    .description(
      'move the deployed alias back to its previous version (audited, and recorded in the lineage graph)',
    )
    .argument('<name>', 'model name')
    .option('--alias <alias>', "alias to roll back (default: the active deployment's, else production)")
    .option('--reason <text>', 'why, kept with the deployment')
    .action(async (name: string, opts: { alias?: string; reason?: string }) => {
      const g = global();
      const [{ recordDeploymentChange }, { ctx, registry }] = await Promise.all([
        import('../../lineage/index.ts'),
        openRegistry(g),
      ]);
      try {
        const d = registry.rollbackDeployment(name, ctx.config.user, opts.reason, opts.alias);
        let entity: string | undefined;
        try {
          entity = recordDeploymentChange(ctx.store, d);
        } catch (e) {
          process.stderr.write(
            `pipewright: rollback done, but not recorded in the lineage graph (${(e as Error).message})\n`,
          );
        }
        if (g.json) return printJson({ deployment: d, ...(entity ? { lineage: entity } : {}) });
        process.stdout.write(
          `Rolled back ${name}: ${d.alias} now serves v${d.version} (deployment ${d.id}).${
            entity ? ` Lineage: pipewright lineage ${entity}` : ''
          }\n`,
        );
      } finally {
        ctx.close();
      }
    });
}
