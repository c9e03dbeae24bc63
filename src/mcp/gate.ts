/**
 * The one door for everything an MCP client changes: starting a run, deciding an approval, rolling a model
 * back. Each goes through act(): the role check (the same ladder as the HTTP API), then the same store and
 * executor calls the API makes, so decisions are single-use and audited with `via: mcp`. The submitter
 * and decider passed to the engine are the token's identity, so the server's approval policy judges them.
 */
import { parsePlanText } from '../plan/index.ts';
import type { ApprovalRecord, RunRecord } from '../store/index.ts';
import { type McpDeps, type McpIdentity, requireRole } from './deps.ts';

export type McpAction =
  | { kind: 'run'; plan: string | Record<string, unknown>; inputs?: Record<string, unknown> }
  | { kind: 'decide'; run: string; step: string; approved: boolean; comment?: string }
  | { kind: 'rollback'; model: string; reason: string; alias?: string };

export type McpActionResult =
  | { kind: 'run'; run: RunRecord }
  | { kind: 'decide'; approval: ApprovalRecord }
  | { kind: 'rollback'; model: string; alias: string; version: number; deploymentId: string };

export function act(deps: McpDeps, who: McpIdentity, action: McpAction): McpActionResult {
  switch (action.kind) {
    case 'run': {
      requireRole(who, 'operator', 'start runs');
      const plan = typeof action.plan === 'string' ? parsePlanText(action.plan, 'the plan') : action.plan;
      const run = deps.engine.createRun(plan, {
        createdBy: who.name,
        trigger: 'mcp',
        // The server's policy judges the token's role, as for the HTTP API (never the local admin).
        submitter: who,
        ...(action.inputs ? { inputs: action.inputs } : {}),
      });
      deps.executor.start(run.id);
      return { kind: 'run', run };
    }
    case 'decide': {
      requireRole(who, 'approver', 'decide approvals');
      const run = deps.store.requireRun(action.run);
      const approval = deps.executor.decide({
        runId: run.id,
        stepId: action.step,
        approved: action.approved,
        by: who.name,
        ...(action.comment ? { comment: action.comment } : {}),
        via: 'mcp',
        decider: who,
      });
      return { kind: 'decide', approval };
    }
    case 'rollback': {
      requireRole(who, 'operator', 'roll models back');
      deps.models.requireModel(action.model);
      const d = deps.models.rollbackDeployment(action.model, who.name, action.reason, action.alias);
      deps.onDeploymentChange?.(d);
      return {
        kind: 'rollback',
        model: action.model,
        alias: d.alias,
        version: d.version,
        deploymentId: d.id,
      };
    }
  }
}
