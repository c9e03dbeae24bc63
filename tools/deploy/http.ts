/**
 * deploy.http: puts a registered model version behind POST /models/<name>/predict (a registered search index
 * behind POST /indexes/<name>/search). It records a deployment
 * and moves the alias serving follows (production by default); running servers pick it up on their next
 * request. An optional canary sends a share of the traffic to another version.
 *
 * Exactly once per step: the deployment carries the step's idempotency key, written in one transaction
 * with the alias move and the audit entry; a later attempt of the step finds it and returns it.
 */
import { z } from 'zod';
import { openModelRegistry } from '../../src/store/model-registry.ts';
import { defineTask } from '../../src/tasks/index.ts';

const VersionOrAlias = z
  .union([z.number().int().positive(), z.string().min(1)])
  .describe('Version number (3) or alias ("staging")');

export const DeployHttpInput = z.object({
  model: z.string().min(1).describe('Registered model name (as given to model.register)'),
  version: VersionOrAlias.describe('Version number or alias to deploy, e.g. 3 or "staging"'),
  alias: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/)
    .default('production')
    .describe('Alias moved to the deployed version; serving follows it (default production)'),
  canary: z
    .object({
      version: VersionOrAlias.describe('Version that serves the canary share, usually the newer one'),
      share: z.number().gt(0).lt(1).describe('Fraction of requests sent to the canary, e.g. 0.1'),
    })
    .optional()
    .describe('Split traffic: this share of requests goes to the canary version, the rest to `version`'),
  reason: z.string().optional().describe('Why, recorded in the deployment, alias history and audit log'),
});

export const DeployHttpOutput = z.object({
  deploymentId: z.string().describe('Id of the recorded deployment'),
  endpoint: z
    .string()
    .describe('Path that serves it, e.g. /models/churn/predict, or /indexes/docs/search for an index'),
  version: z.number().int().describe('Version the alias now points at'),
  canary: z
    .object({
      version: z.number().int().describe('Canary version'),
      share: z.number().describe('Fraction of requests it serves'),
    })
    .optional()
    .describe('The canary, when one was requested'),
});

export const deployHttp = defineTask({
  id: 'deploy.http',
  placement: 'coordinator',
  description:
    'Deploy a registered model version behind POST /models/<name>/predict (moves the production alias), optionally with a canary share for another version.',
  input: DeployHttpInput,
  output: DeployHttpOutput,
  needsApproval: true,
  cacheable: false,
  async run(input, ctx) {
    const registry = openModelRegistry(ctx.config);
    try {
      const d = registry.deploy({
        name: input.model,
        version: input.version,
        alias: input.alias,
        ...(input.canary ? { canary: input.canary } : {}),
        by: ctx.actor ?? ctx.config.user,
        ...(input.reason ? { reason: input.reason } : {}),
        runId: ctx.runId,
        stepId: ctx.stepId,
        idempotencyKey: ctx.idempotencyKey,
      });
      ctx.log.info(
        d.reused
          ? `deployment ${d.id} of ${input.model} version ${d.version} was made by an earlier attempt of this step; reusing it`
          : `deployed ${input.model} version ${d.version} as ${d.alias}`,
        {
          deploymentId: d.id,
          ...(d.canary ? { canary: d.canary } : {}),
        },
      );
      // A registered search index (index.register) is served at /indexes/<name>/search.
      const isIndex = registry.getVersion(input.model, d.version).ref.kind === 'index';
      return {
        deploymentId: d.id,
        endpoint: isIndex
          ? `/indexes/${encodeURIComponent(input.model)}/search`
          : `/models/${encodeURIComponent(input.model)}/predict`,
        version: d.version,
        ...(d.canary ? { canary: d.canary } : {}),
      };
    } finally {
      registry.close();
    }
  },
});
