/**
 * `pipewright drift <reference> <current> [--triage] [--html out.html] [--json]`: the commonest drift question,
 * two data files, in one command. It runs the plan of examples/drift-files.yaml (ingest.file on both files —
 * CSV, TSV, JSON, NDJSON, Parquet or Arrow — then monitor.drift) as a recorded run, prints the per-feature
 * table and the dataset verdict and, with --triage, the triage verdict and its proposal (stored with the alert
 * in the lineage; `pipewright triage <run> --apply` posts it for approval).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PipewrightError, type SerializedError, userError } from '../../errors.ts';
import { resolveInWorkspace } from '../../tasks/workspace.ts';
import { type GlobalOptions, openContext } from '../context.ts';
import { printJson, table } from '../output.ts';

interface DriftOptions {
  triage?: boolean;
  html?: string;
  columns?: string;
  model?: string;
}

/** The plan `drift` runs: the same as examples/drift-files.yaml with the two paths filled in. */
export function driftFilesPlan(
  reference: string,
  current: string,
  columns?: string[],
): Record<string, unknown> {
  return {
    name: 'drift-files',
    description: `Compare ${current} with ${reference} for drift (pipewright drift).`,
    steps: [
      { id: 'reference', task: 'ingest.file', with: { path: reference } },
      { id: 'current', task: 'ingest.file', with: { path: current } },
      {
        id: 'drift',
        task: 'monitor.drift',
        dependsOn: ['reference', 'current'],
        with: {
          reference: '${{ steps.reference.outputs.dataset }}',
          current: '${{ steps.current.outputs.dataset }}',
          ...(columns?.length ? { columns } : {}),
          title: `${path.basename(reference)} → ${path.basename(current)}`,
        },
      },
    ],
  };
}

interface DriftStepOutput {
  drifted: boolean;
  share: number;
  driftedFeatures: string[];
  features: {
    name: string;
    type: string;
    method: string;
    statistic: number | null;
    pValue?: number | null;
    threshold: number;
    drifted: boolean;
    nulls: { reference: number; current: number };
    summary?: { reference: { mean: number | null }; current: { mean: number | null } };
  }[];
  findings: { kind: string; column: string; message: string }[];
  reference: { rows: number };
  current: { rows: number };
  reportJson: string;
  reportHtml: string;
}

const num = (x: number | null | undefined) =>
  x === null || x === undefined
    ? ''
    : Math.abs(x) < 1e-3 && x !== 0
      ? x.toExponential(1)
      : String(Number(x.toPrecision(3)));

export function registerDriftCommand(program: Command): void {
  const global = () => program.opts() as GlobalOptions;
  program
    .command('drift')
    .description(
      'compare two data files for drift: per-feature table and dataset verdict; --triage adds a verdict and one proposal',
    )
    .argument('<reference>', 'the reference data (what the model was trained on), a file in the workspace')
    .argument('<current>', 'the current data (a new batch, logged traffic), a file in the workspace')
    .option('--triage', 'triage the result: data quality, real shift, noise or no drift, and one proposal')
    .option(
      '--html <file>',
      'also write the HTML report there (in the workspace; ".html" is added when missing)',
    )
    .option('-c, --columns <list>', 'comma-separated columns to compare (default: all but dates and times)')
    .option(
      '-m, --model <name>',
      'with --triage: the registered model fed by this data (importance, labels, quality)',
    )
    .action(async (referenceArg: string, currentArg: string, opts: DriftOptions) => {
      const g = global();
      const ctx = await openContext(g);
      try {
        const ws = ctx.config.workspace;
        // Confined to the workspace, symlinks resolved; the plan carries workspace-relative paths.
        const rel = (p: string, what: string) => {
          const abs = resolveInWorkspace(ws, p, what);
          if (!existsSync(abs))
            throw userError(
              'DRIFT_FILE_NOT_FOUND',
              `The ${what} does not exist: ${p}`,
              `paths are read relative to the workspace ${ws}`,
              'Pass a CSV, JSON, Parquet or Arrow file inside the workspace (or set --workspace).',
            );
          return path.relative(ws, abs);
        };
        const reference = rel(referenceArg, 'reference file');
        const current = rel(currentArg, 'current file');
        const htmlOut = opts.html
          ? resolveInWorkspace(
              ws,
              opts.html.endsWith('.html') ? opts.html : `${opts.html}.html`,
              'HTML report',
            )
          : undefined;
        const columns = opts.columns
          ?.split(',')
          .map((c) => c.trim())
          .filter(Boolean);
        const run = ctx.engine.createRun(driftFilesPlan(reference, current, columns), {
          createdBy: ctx.config.user,
        });
        const outcome = await ctx.engine.execute(run.id);
        const done = ctx.store.requireRun(run.id);
        if (outcome.status !== 'succeeded') {
          const e = done.error as SerializedError | undefined;
          throw new PipewrightError({
            code: e?.code ?? 'DRIFT_RUN_FAILED',
            category: e?.category ?? 'system',
            what: e?.what ?? `The drift run ${run.id} ${outcome.status}`,
            ...(e?.why ? { why: e.why } : {}),
            fix: e?.fix ?? `See pipewright show ${run.id} and pipewright logs ${run.id}.`,
          });
        }
        const out = ctx.store.getStep(run.id, 'drift')?.output as DriftStepOutput;
        if (htmlOut) {
          mkdirSync(path.dirname(htmlOut), { recursive: true });
          copyFileSync(out.reportHtml, htmlOut);
        }
        let triage:
          | Awaited<ReturnType<typeof import('../../../agents/triage/index.ts').triageAlert>>
          | undefined;
        if (opts.triage) {
          const { alertFromRun, recordVerdict, triageAlert, triageModelDeps } = await import(
            '../../../agents/triage/index.ts'
          );
          const { llmSettingsFrom } = await import('../../llm/index.ts');
          const { registeredModelChecker } = await import('../../../tools/triage/model-check.ts');
          const input = alertFromRun(ctx.store, run.id, opts.model);
          triage = await triageAlert(input, {
            ...(await triageModelDeps(llmSettingsFrom(ctx.config))),
            store: ctx.store,
            config: ctx.config,
            checkModel: registeredModelChecker(ctx.config, ctx.store),
          });
          recordVerdict(ctx.store, triage);
        }
        if (g.json) {
          printJson({
            run: { id: run.id, status: outcome.status },
            drift: out,
            ...(htmlOut ? { html: htmlOut } : {}),
            ...(triage ? { triage } : {}),
          });
          return;
        }
        const w = (s: string) => process.stdout.write(`${s}\n`);
        w(
          `Drift: ${current} (${out.current.rows} rows) against ${reference} (${out.reference.rows} rows), run ${run.id}\n`,
        );
        w(
          table(
            ['feature', 'type', 'test', 'statistic', 'p-value', 'threshold', 'drift', 'missing', 'mean'],
            out.features.map((f) => [
              f.name,
              f.type,
              f.method,
              num(f.statistic),
              num(f.pValue),
              num(f.threshold),
              f.drifted ? 'DRIFT' : 'ok',
              `${num(f.nulls.reference * 100)}% → ${num(f.nulls.current * 100)}%`,
              f.summary ? `${num(f.summary.reference.mean)} → ${num(f.summary.current.mean)}` : '',
            ]),
          ),
        );
        for (const f of out.findings) w(`finding: ${f.kind} on "${f.column}": ${f.message}`);
        w(
          `\nDataset: ${out.drifted ? 'DRIFT' : 'no dataset drift'} — ${out.driftedFeatures.length} of ${out.features.length} features drifted (${Math.round(out.share * 100)}%)${out.findings.length ? `, ${out.findings.length} data-quality finding(s)` : ''}.`,
        );
        w(`Report: ${htmlOut ?? out.reportHtml}\nJSON:   ${out.reportJson}`);
        if (triage) {
          const { renderTriage } = await import('./triage.ts');
          w(`\n${renderTriage(triage)}`);
          if (triage.proposal.action !== 'none')
            w(`\nPost it for approval: pipewright triage ${run.id} --apply`);
        }
      } finally {
        await ctx.close();
      }
    });
}
