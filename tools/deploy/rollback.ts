/**
 * model.rollback: takes a served model back, recorded as a rollback with its reason. With a canary active
 * and no target version, it drops the canary (the stable version keeps serving everything); otherwise it
 * moves the alias serving follows back to the version before its last move, or to `toVersion`. Running
 * servers follow on their next request. It changes what is served: needs an approval like deploy.http.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { openModelRegistry } from '../../src/store/model-registry.ts';
import { defineTask } from '../../src/tasks/index.ts';

export const RollbackInput = z.object({
  model: z.string().min(1).describe('Registered model name'),
  toVersion: z
    .union([z.number().int().positive(), z.string().min(1)])
    .optional()
    .describe('Version number or alias to go back to (default: the version before the last move)'),
  alias: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/)
    .optional()
    .describe("Alias to move back (default: the active deployment's, else production)"),
  reason: z.string().min(1).describe('Why, recorded in the deployment, alias history and audit log'),
});

export const RollbackOutput = z.object({
  model: z.string().describe('The model'),
  alias: z.string().describe('The alias moved (or whose canary was dropped)'),
  action: z
    .enum(['rollback', 'canary-dropped'])
    .describe('rollback: the alias moved back; canary-dropped: the canary stopped, the alias stayed'),
  fromVersion: z
    .number()
    .int()
    .nullable()
    .describe('Version served before (the canary version when dropped)'),
  toVersion: z.number().int().describe('Version the alias serves now'),
  version: z.number().int().describe('Same as toVersion (what the lineage records as deployed)'),
  deploymentId: z.string().describe('Id of the deployment record that made the change'),
});

export const modelRollback = defineTask({
  id: 'model.rollback',
  placement: 'coordinator',
  description:
    'Roll a served model back: drop an active canary, or move its production alias to the previous (or a given) version, with a reason. Needs an approval.',
  input: RollbackInput,
  output: RollbackOutput,
  needsApproval: true,
  cacheable: false,
  async run(input, ctx) {
    const registry = openModelRegistry(ctx.config);
    try {
      const by = ctx.config.user;
      const state = registry.servingState(input.model);
      const alias = input.alias ?? state.deployment?.alias ?? 'production';
      const reason = `${input.reason} (rollback by ${ctx.runId})`;
      if (state.canary && input.toVersion === undefined && alias === state.alias) {
        if (state.version === undefined) throw new Error(`alias ${alias} has a canary but no version`);
        const d = registry.deploy({
          name: input.model,
          version: state.version,
          alias,
          by,
          reason: `canary version ${state.canary.version} dropped: ${reason}`,
          runId: ctx.runId,
          stepId: ctx.stepId,
        });
        ctx.log.info(`dropped the canary (version ${state.canary.version}) of ${input.model}`);
        return {
          model: input.model,
          alias,
          action: 'canary-dropped' as const,
          fromVersion: state.canary.version,
          toVersion: d.version,
          version: d.version,
          deploymentId: d.id,
        };
      }
      const from = registry.getAliases(input.model)[alias];
      if (input.toVersion !== undefined) {
        const to = registry.resolveVersion(input.model, input.toVersion);
        if (to === from && !state.canary) {
          throw userError(
            'MODEL_ROLLBACK_SAME_VERSION',
            `${input.model}@${alias} already serves version ${to}`,
            'a rollback must change what is served',
            'Name another version, or leave toVersion out to go back to the previous one.',
          );
        }
        const d = registry.deploy({
          name: input.model,
          version: to,
          alias,
          by,
          reason: `rollback to version ${to}: ${reason}`,
          runId: ctx.runId,
          stepId: ctx.stepId,
        });
        ctx.log.info(`rolled ${input.model}@${alias} back from ${from ?? 'nothing'} to version ${to}`);
        return {
          model: input.model,
          alias,
          action: 'rollback' as const,
          fromVersion: from ?? null,
          toVersion: d.version,
          version: d.version,
          deploymentId: d.id,
        };
      }
      const d = registry.rollbackDeployment(input.model, by, reason, alias);
      ctx.log.info(`rolled ${input.model}@${alias} back from ${from ?? 'nothing'} to version ${d.version}`);
      return {
        model: input.model,
        alias,
        action: 'rollback' as const,
        fromVersion: from ?? null,
        toVersion: d.version,
        version: d.version,
        deploymentId: d.id,
      };
    } finally {
      registry.close();
    }
  },
});
