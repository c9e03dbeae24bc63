/**
 * model.register: adds a trained model to the registry as the next version of a named model, with the run,
 * step and dataset it came from, and optionally points an alias (e.g. staging) at it.
 *
 * Exactly once per step: the version is written with the step's idempotency key, in the same transaction
 * as the alias move and the audit entry. An attempt after a crash (or a retry) finds that version and
 * returns it instead of registering a second one.
 */
import { z } from 'zod';
import { openModelRegistry } from '../../src/store/model-registry.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { ArtifactModelRef, DatasetRef, ModelRef } from '../lib/refs.ts';

export const RegisterModelInput = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)
    .describe('Registered model name, used in URLs: letters, digits, ".", "_", "-" (e.g. "churn")'),
  model: z
    .union([ModelRef, ArtifactModelRef])
    .describe('The trained model to register, usually a training step output (train.command artifacts too)'),
  dataset: DatasetRef.optional().describe('The dataset the model was trained on, recorded for lineage'),
  alias: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/)
    .optional()
    .describe('Alias to point at the new version, e.g. "staging" (production is moved by deploy.http)'),
  description: z.string().optional().describe('A note kept with the version, e.g. what changed'),
});

export const RegisterModelOutput = z.object({
  name: z.string().describe('Registered model name'),
  version: z.number().int().positive().describe('Version number given to this model (1, 2, 3, ... per name)'),
  ref: z.union([ModelRef, ArtifactModelRef]).describe('The registered model'),
});

export const registerModel = defineTask({
  id: 'model.register',
  placement: 'coordinator',
  description:
    'Register a trained model as the next version of a named model (with run, step and dataset lineage); optionally set an alias such as staging.',
  input: RegisterModelInput,
  output: RegisterModelOutput,
  cacheable: false,
  async run(input, ctx) {
    const registry = openModelRegistry(ctx.config);
    const by = ctx.actor ?? ctx.config.user;
    try {
      const record = registry.db.transaction(() => {
        const v = registry.registerVersion({
          name: input.name,
          ref: input.model,
          ...(input.dataset ? { dataset: input.dataset } : {}),
          runId: ctx.runId,
          stepId: ctx.stepId,
          ...(input.description ? { description: input.description } : {}),
          createdBy: by,
          idempotencyKey: ctx.idempotencyKey,
        });
        // A reused version had its alias moved in the transaction that made it.
        if (input.alias && !v.reused) {
          registry.setAlias(input.name, input.alias, v.version, by, `registered by ${ctx.runId}`);
        }
        return v;
      })();
      ctx.log.info(
        record.reused
          ? `${input.name} version ${record.version} was registered by an earlier attempt of this step; reusing it`
          : `registered ${input.name} version ${record.version}`,
        {
          hash: input.model.hash,
          ...(input.alias ? { alias: input.alias } : {}),
        },
      );
      return { name: input.name, version: record.version, ref: input.model };
    } finally {
      registry.close();
    }
  },
});
