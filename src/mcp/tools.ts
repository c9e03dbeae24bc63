/**
 * The MCP tools: plan from a goal, validate, run, show a run, list and decide approvals, ask, walk the
 * lineage, search memory, list models and roll back. Reads check the viewer role here; everything that
 * changes state goes through act() (gate.ts). Each answer is JSON text plus the same value as
 * structuredContent; a failure is an `isError` result with what happened, why, and how to fix it.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { formatError, serializeError } from '../errors.ts';
import { ask, renderTree, searchMemory, walkLineage, whatIsInProduction } from '../lineage/index.ts';
import { parsePlanText, validatePlan } from '../plan/index.ts';
import { type McpDeps, type McpIdentity, requireRole } from './deps.ts';
import { act } from './gate.ts';
import { runView, waitForRun } from './views.ts';

const PlanInput = z
  .union([z.string().min(1).max(1_000_000), z.record(z.string(), z.unknown())])
  .describe('The plan: YAML or JSON text, or the plan object (as `plan` returns it)');
const Wait = z
  .number()
  .int()
  .min(0)
  .max(600)
  .default(0)
  .describe('Wait up to this many seconds for the run to finish or stop at an approval (0: return at once)');

const MAX_TEXT = 200_000;

function ok(value: Record<string, unknown>): CallToolResult {
  let text = JSON.stringify(value, null, 2);
  if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT)}\n… (cut at ${MAX_TEXT} characters)`;
  return { content: [{ type: 'text', text }], structuredContent: value };
}

function failed(e: unknown): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: formatError(e) }],
    structuredContent: { error: serializeError(e) },
  };
}

/** Wraps a handler: any error becomes an isError result (never a protocol error with a stack). */
const guard =
  <A>(fn: (args: A) => Promise<Record<string, unknown>> | Record<string, unknown>) =>
  async (args: A): Promise<CallToolResult> => {
    try {
      return ok(await fn(args));
    } catch (e) {
      return failed(e);
    }
  };

/** `who` gives the caller's identity at each call (a revoked stdio token stops working at once). */
export function registerTools(server: McpServer, deps: McpDeps, who: () => McpIdentity): void {
  const { store } = deps;
  const viewer = (action: string) => requireRole(who(), 'viewer', action);
  const executing = (runId: string) => deps.executor.isExecuting(runId);

  server.registerTool(
    'plan',
    {
      title: 'Plan from a goal',
      description:
        'Turn a goal in plain words ("predict species from data/penguins.json, deploy if accuracy >= 0.9") into a typed pipeline plan, or a clarifying question, or a refusal. Nothing runs.',
      inputSchema: { goal: z.string().trim().min(1).max(4000).describe('The goal, in plain words') },
      annotations: { readOnlyHint: true },
    },
    guard(async ({ goal }: { goal: string }) => {
      viewer('plan');
      const r = await deps.planner(goal);
      if (r.kind === 'clarify') return { clarify: r.question };
      if (r.kind === 'refuse') return { refused: r.reason };
      return { plan: r.plan, notes: r.notes };
    }),
  );

  server.registerTool(
    'validate_plan',
    {
      title: 'Validate a plan',
      description: 'Check a plan against the task catalog: every problem at once, each with its path.',
      inputSchema: { plan: PlanInput },
      annotations: { readOnlyHint: true },
    },
    guard(({ plan }: { plan: string | Record<string, unknown> }) => {
      viewer('validate plans');
      const value = typeof plan === 'string' ? parsePlanText(plan, 'the plan') : plan;
      const r = validatePlan(value, deps.engine.registry);
      return r.ok ? { ok: true, problems: [], plan: r.plan } : { ok: false, problems: r.problems };
    }),
  );

  server.registerTool(
    'run_plan',
    {
      title: 'Run a plan',
      description:
        'Start a run of a plan (operator role). It executes in the background; approval steps wait for a decision (decide_approval). With waitSeconds, answers when the run finishes or waits.',
      inputSchema: {
        plan: PlanInput,
        inputs: z.record(z.string(), z.unknown()).optional().describe('Values for the plan inputs'),
        waitSeconds: Wait,
      },
    },
    guard(
      async (a: {
        plan: string | Record<string, unknown>;
        inputs?: Record<string, unknown>;
        waitSeconds: number;
      }) => {
        const r = act(deps, who(), { kind: 'run', plan: a.plan, ...(a.inputs ? { inputs: a.inputs } : {}) });
        if (r.kind !== 'run') throw new Error('unexpected action result');
        if (a.waitSeconds > 0) await waitForRun(store, r.run.id, a.waitSeconds * 1000, executing);
        return runView(store, r.run.id);
      },
    ),
  );

  server.registerTool(
    'show_run',
    {
      title: 'Show a run',
      description: 'A run with its steps (status, attempts, outputs, errors) and approvals.',
      inputSchema: { run: z.string().min(4).describe('Run id (or a unique prefix)') },
      annotations: { readOnlyHint: true },
    },
    guard(({ run }: { run: string }) => {
      viewer('read runs');
      return runView(store, store.requireRun(run).id);
    }),
  );

  server.registerTool(
    'list_runs',
    {
      title: 'List runs',
      description: 'Recent runs, newest first.',
      inputSchema: {
        status: z
          .enum(['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'])
          .optional()
          .describe('Only runs in this state'),
        limit: z.number().int().min(1).max(200).default(20).describe('At most this many'),
      },
      annotations: { readOnlyHint: true },
    },
    guard(({ status, limit }: { status?: string; limit: number }) => {
      viewer('read runs');
      const runs = store.listRuns({ limit, ...(status ? { status: status as never } : {}) });
      return {
        runs: runs.map(({ plan, ...r }) => ({ ...r, steps: plan.steps.length })),
      };
    }),
  );

  server.registerTool(
    'list_approvals',
    {
      title: 'List approvals',
      description: 'Approvals across runs; by default the pending ones, oldest first.',
      inputSchema: {
        status: z
          .enum(['pending', 'approved', 'rejected'])
          .default('pending')
          .describe('Which approvals (default pending)'),
        run: z.string().min(4).optional().describe('Only this run'),
      },
      annotations: { readOnlyHint: true },
    },
    guard(({ status, run }: { status: 'pending' | 'approved' | 'rejected'; run?: string }) => {
      viewer('read approvals');
      const runId = run ? store.requireRun(run).id : undefined;
      return { approvals: store.listApprovals({ status, ...(runId ? { runId } : {}) }) };
    }),
  );

  server.registerTool(
    'decide_approval',
    {
      title: 'Approve or reject',
      description:
        'Decide a pending approval step (approver role). Single-use and audited as you, via mcp; the run resumes. With waitSeconds, answers when the run finishes or waits again.',
      inputSchema: {
        run: z.string().min(4).describe('Run id (or a unique prefix)'),
        step: z.string().min(1).describe('The approval step id'),
        approved: z.boolean().describe('true approves, false rejects'),
        comment: z.string().max(2000).optional().describe('Why'),
        waitSeconds: Wait,
      },
    },
    guard(
      async (a: { run: string; step: string; approved: boolean; comment?: string; waitSeconds: number }) => {
        const r = act(deps, who(), {
          kind: 'decide',
          run: a.run,
          step: a.step,
          approved: a.approved,
          ...(a.comment ? { comment: a.comment } : {}),
        });
        if (r.kind !== 'decide') throw new Error('unexpected action result');
        if (a.waitSeconds > 0) await waitForRun(store, r.approval.runId, a.waitSeconds * 1000, executing);
        return { approval: r.approval, ...runView(store, r.approval.runId) };
      },
    ),
  );

  server.registerTool(
    'ask',
    {
      title: 'Ask about runs, models and data',
      description:
        'Answer a question ("what is in production?", "why did the last churn run fail?") from the lineage graph and run memory; the answer cites run, model, dataset, deployment and approval ids.',
      inputSchema: { question: z.string().trim().min(1).max(2000).describe('The question') },
      annotations: { readOnlyHint: true },
    },
    guard(async ({ question }: { question: string }) => {
      viewer('ask');
      return { ...(await ask(store, deps.config, question)) };
    }),
  );

  server.registerTool(
    'lineage',
    {
      title: 'Lineage of an entity',
      description:
        'Where a model, dataset, run or deployment came from (up) or what came from it (down), as nodes, edges and a tree.',
      inputSchema: {
        entity: z.string().min(1).describe('Entity id, e.g. model:penguins-species@2, dataset:ab12…, run:…'),
        direction: z
          .enum(['up', 'down'])
          .default('up')
          .describe('up: what it came from; down: what came from it'),
        depth: z.number().int().min(1).max(64).default(64).describe('How many hops'),
      },
      annotations: { readOnlyHint: true },
    },
    guard(({ entity, direction, depth }: { entity: string; direction: 'up' | 'down'; depth: number }) => {
      viewer('read the lineage');
      const walk = walkLineage(store, entity, direction, depth);
      return { ...walk, tree: renderTree(walk) };
    }),
  );

  server.registerTool(
    'search_memory',
    {
      title: 'Search run memory',
      description: 'Hybrid search over every finished run (goals, plans, outcomes, errors, metrics).',
      inputSchema: {
        query: z.string().trim().min(1).max(2000).describe('What to look for, in plain words'),
        status: z.string().min(1).optional().describe('Only runs with this status, e.g. failed'),
        limit: z.number().int().min(1).max(100).default(10).describe('At most this many hits'),
      },
      annotations: { readOnlyHint: true },
    },
    guard(async ({ query, status, limit }: { query: string; status?: string; limit: number }) => {
      viewer('search memory');
      const hits = await searchMemory(deps.config, query, {
        limit,
        ...(status ? { filter: { status } } : {}),
      });
      return { query, hits };
    }),
  );

  server.registerTool(
    'list_models',
    {
      title: 'List models',
      description: 'Registered models with their latest version, aliases and what is deployed.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    guard(() => {
      viewer('read models');
      const models = deps.models.listModels().map((m) => ({
        ...m,
        aliases: deps.models.getAliases(m.name),
        serving: deps.models.servingState(m.name),
      }));
      return { models, production: whatIsInProduction(store) };
    }),
  );

  server.registerTool(
    'rollback_model',
    {
      title: 'Roll a model back',
      description:
        'Point the deployed alias back at the previous version (operator role); recorded in the lineage and audited as you.',
      inputSchema: {
        model: z.string().min(1).describe('Registered model name'),
        reason: z.string().min(1).max(2000).describe('Why (kept with the deployment)'),
        alias: z.string().min(1).optional().describe('Alias to roll back (default: the deployed one)'),
      },
      annotations: { destructiveHint: true },
    },
    guard(({ model, reason, alias }: { model: string; reason: string; alias?: string }) => {
      const r = act(deps, who(), { kind: 'rollback', model, reason, ...(alias ? { alias } : {}) });
      return { ...r };
    }),
  );
}
