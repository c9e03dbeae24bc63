/**
 * What the MCP server works with: the same engine, store, background executor, token store, model registry
 * and planner that the HTTP API uses, assembled once per process (by `pipewright mcp`, or by a test).
 */
import type { PlannerResult } from '../../agents/planner/index.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../engine/index.ts';
import { userError } from '../errors.ts';
import type { RunExecutor } from '../server/executor.ts';
import type { AuthStore, DeploymentRecord, Identity, ModelRegistry, RunStore } from '../store/index.ts';
import { ROLES, type Role, roleAllows } from '../store/index.ts';

export interface McpDeps {
  config: Config;
  engine: Engine;
  store: RunStore;
  /** Executes runs in the background and resumes them after decisions (the API's executor). */
  executor: RunExecutor;
  auth: AuthStore;
  models: ModelRegistry;
  planner: (goal: string) => Promise<PlannerResult>;
  /** Told of every deployment change made here (a rollback), to record it in the lineage graph. */
  onDeploymentChange?: (d: DeploymentRecord) => void;
}

/** The caller an MCP connection (stdio) or request (HTTP) acts as: a token's name and role. */
export type McpIdentity = Omit<Identity, 'via'> & { via: 'mcp' };

/** The identity of a token, or a user error naming how to get one. */
export function identityFromToken(auth: AuthStore, token: string | undefined): McpIdentity {
  if (!token) {
    throw userError(
      'UNAUTHORIZED',
      'No API token for the MCP client',
      'every MCP client acts as an API token, with its role',
      'Create one with `pipewright token create --role operator --name <client>` and pass it as --token or PIPEWRIGHT_MCP_TOKEN (stdio), or `Authorization: Bearer <token>` (HTTP).',
    );
  }
  const record = auth.verify(token);
  if (!record) {
    throw userError(
      'UNAUTHORIZED',
      'The MCP client token is not valid',
      'it is unknown, mistyped or revoked',
      'Check the token, or ask an admin for a new one (`pipewright token create`).',
    );
  }
  return { name: record.name, role: record.role, via: 'mcp' };
}

/** Throws FORBIDDEN unless the caller's role is at least `role`; the same ladder as the HTTP API. */
export function requireRole(who: McpIdentity, role: Role, action: string): void {
  if (roleAllows(who.role, role)) return;
  throw userError(
    'FORBIDDEN',
    `${who.name} (${who.role}) may not ${action}`,
    `it needs the ${role} role or higher (${ROLES.join(' < ')})`,
    `Use a token with the ${role} role; an admin creates one with \`pipewright token create --role ${role} --name <name>\`.`,
  );
}
