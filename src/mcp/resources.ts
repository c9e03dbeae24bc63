/**
 * MCP resources: runs (pipewright://runs/{run}), the plan each run executed (pipewright://plans/{run}, YAML)
 * and drift reports (pipewright://drift/{run}/{step}, the JSON report of a monitor.drift step). Listing
 * gives the most recent ones; reading checks the viewer role like every tool.
 */
import { readFile } from 'node:fs/promises';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { userError } from '../errors.ts';
import { planToYaml } from '../plan/index.ts';
import { type McpDeps, type McpIdentity, requireRole } from './deps.ts';
import { runView } from './views.ts';

const LIST_LIMIT = 50;

const one = (value: string | string[] | undefined): string =>
  Array.isArray(value) ? (value[0] ?? '') : (value ?? '');

export function registerResources(server: McpServer, deps: McpDeps, who: () => McpIdentity): void {
  const { store } = deps;
  const recent = () => store.listRuns({ limit: LIST_LIMIT });

  server.registerResource(
    'run',
    new ResourceTemplate('pipewright://runs/{run}', {
      list: () => {
        requireRole(who(), 'viewer', 'read runs');
        return {
          resources: recent().map((r) => ({
            uri: `pipewright://runs/${r.id}`,
            name: `run ${r.id}`,
            description: `${r.planName}: ${r.status} (${r.createdAt})`,
            mimeType: 'application/json',
          })),
        };
      },
    }),
    { title: 'Runs', description: 'A run with its steps and approvals', mimeType: 'application/json' },
    (uri, vars) => {
      requireRole(who(), 'viewer', 'read runs');
      const view = runView(store, store.requireRun(one(vars.run)).id);
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view, null, 2) }],
      };
    },
  );

  server.registerResource(
    'plan',
    new ResourceTemplate('pipewright://plans/{run}', {
      list: () => {
        requireRole(who(), 'viewer', 'read plans');
        return {
          resources: recent().map((r) => ({
            uri: `pipewright://plans/${r.id}`,
            name: `${r.planName} (run ${r.id})`,
            description: r.plan.goal ?? r.plan.description ?? r.planName,
            mimeType: 'application/yaml',
          })),
        };
      },
    }),
    { title: 'Plans', description: 'The plan a run executed, as YAML', mimeType: 'application/yaml' },
    (uri, vars) => {
      requireRole(who(), 'viewer', 'read plans');
      const run = store.requireRun(one(vars.run));
      return { contents: [{ uri: uri.href, mimeType: 'application/yaml', text: planToYaml(run.plan) }] };
    },
  );

  server.registerResource(
    'drift-report',
    new ResourceTemplate('pipewright://drift/{run}/{step}', {
      list: () => {
        requireRole(who(), 'viewer', 'read drift reports');
        return {
          resources: driftSteps(deps).map((d) => ({
            uri: `pipewright://drift/${d.runId}/${d.stepId}`,
            name: `drift ${d.planName} ${d.runId}/${d.stepId}`,
            description: `${d.drifted ? 'drift' : 'no drift'} (${d.finishedAt})`,
            mimeType: 'application/json',
          })),
        };
      },
    }),
    {
      title: 'Drift reports',
      description: 'The JSON report of a monitor.drift step (per-feature tests, histograms)',
      mimeType: 'application/json',
    },
    async (uri, vars) => {
      requireRole(who(), 'viewer', 'read drift reports');
      const run = store.requireRun(one(vars.run));
      const stepId = one(vars.step);
      const step = store.getStep(run.id, stepId);
      const output = step?.output as { reportJson?: unknown } | undefined;
      if (step?.task !== 'monitor.drift' || typeof output?.reportJson !== 'string') {
        throw userError(
          'DRIFT_REPORT_NOT_FOUND',
          `Run ${run.id} has no drift report at step "${stepId}"`,
          step ? `"${stepId}" is a ${step.task ?? 'non-task'} step, or it has not finished` : 'no such step',
          'List the drift reports (resources/list) for the ones that exist.',
        );
      }
      const local = deps.engine.artifacts.localize
        ? await deps.engine.artifacts.localize(output.reportJson)
        : output.reportJson;
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: await readFile(local, 'utf8') }],
      };
    },
  );
}

function driftSteps(deps: McpDeps) {
  const rows = deps.store.db
    .prepare(
      `SELECT s.run_id, s.step_id, s.finished_at, s.output_json, r.plan_name FROM steps s
         JOIN runs r ON r.id = s.run_id
       WHERE s.task = 'monitor.drift' AND s.status = 'succeeded'
       ORDER BY s.finished_at DESC LIMIT ?`,
    )
    .all(LIST_LIMIT) as Record<string, string>[];
  return rows.map((r) => ({
    runId: String(r.run_id),
    stepId: String(r.step_id),
    planName: String(r.plan_name),
    finishedAt: String(r.finished_at),
    drifted: Boolean((JSON.parse(String(r.output_json ?? 'null')) as { drifted?: boolean } | null)?.drifted),
  }));
}
