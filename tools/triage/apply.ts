/**
 * triage.apply: carries out an approved drift-triage proposal and records the outcome. It runs only behind
 * the triage plan's approval step: a rollback moves production back a version (recorded as a deployment), a
 * mute records the review date, a fix-upstream request is recorded for the data owners, and after a retrain it
 * records the version the retrain registered and deployed.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { LineageStore, openModelRegistry, openTriggerStore } from '../../src/store/index.ts';
import { defineTask } from '../../src/tasks/index.ts';

export const TriageApplyInput = z.object({
  triageId: z.string().min(1).describe('Id of the triage whose proposal this applies'),
  action: z.enum(['retrain', 'rollback', 'fix_upstream', 'mute']).describe('The approved action'),
  columns: z.array(z.string()).default([]).describe('Features the verdict is about'),
  model: z.string().optional().describe('Registered model the alert is about'),
  reason: z.string().describe('Why, recorded with the outcome'),
  expiresAt: z.string().optional().describe('mute: the date the mute ends and the alert is looked at again'),
  rollbackTo: z.number().int().optional().describe('rollback: the version production should return to'),
  alert: z.string().optional().describe('Lineage key of the alert (<run>/<step> or report-<hash>)'),
});

export const TriageApplyOutput = z.object({
  action: z.string().describe('The action applied'),
  applied: z.boolean().describe('Whether something changed (false: the retrain did not promote a model)'),
  detail: z.string().describe('What happened, in one sentence'),
  deploymentId: z.string().optional().describe('rollback: the deployment that records it'),
  version: z
    .number()
    .int()
    .optional()
    .describe('rollback: the version now in production; retrain: the new one'),
  approvedBy: z.string().optional().describe('Who approved the proposal'),
});

export const triageApply = defineTask({
  id: 'triage.apply',
  placement: 'coordinator',
  description:
    'Apply an approved drift-triage proposal (rollback, mute, fix-upstream request, or record a retrain) and record the outcome on the triage and the alert. Needs an approval step upstream.',
  input: TriageApplyInput,
  output: TriageApplyOutput,
  needsApproval: true,
  cacheable: false,
  async run(input, ctx) {
    const triggers = openTriggerStore(ctx.config);
    try {
      const approval = triggers.db
        .prepare(
          "SELECT decided_by FROM approvals WHERE run_id = ? AND status = 'approved' ORDER BY decided_at LIMIT 1",
        )
        .get(ctx.runId) as { decided_by?: string } | undefined;
      const approvedBy = approval?.decided_by;
      let out: z.input<typeof TriageApplyOutput>;
      if (input.action === 'rollback') {
        if (!input.model)
          throw userError(
            'TRIAGE_NO_MODEL',
            'A rollback needs the model name',
            undefined,
            'Triage an alert with --model.',
          );
        const registry = openModelRegistry(ctx.config);
        try {
          // Keyed by the step: a re-run after a crash finds this rollback instead of rolling back twice.
          const d = registry.rollbackDeployment(
            input.model,
            approvedBy ?? ctx.actor ?? ctx.config.user,
            `triage ${input.triageId}: ${input.reason}`,
            undefined,
            { runId: ctx.runId, stepId: ctx.stepId, idempotencyKey: ctx.idempotencyKey },
          );
          out = {
            action: 'rollback',
            applied: true,
            detail: `${input.model} production rolled back to v${d.version} (deployment ${d.id})`,
            deploymentId: d.id,
            version: d.version,
          };
        } finally {
          registry.close();
        }
      } else if (input.action === 'mute') {
        out = {
          action: 'mute',
          applied: true,
          detail: `alert muted until ${input.expiresAt ?? 'a later date'}${input.columns.length ? ` (${input.columns.join(', ')})` : ''}: ${input.reason}`,
        };
      } else if (input.action === 'fix_upstream') {
        out = {
          action: 'fix_upstream',
          applied: true,
          detail: `upstream data fix requested: ${input.reason}`,
        };
      } else {
        const outputs = Object.values(ctx.upstream) as Record<string, unknown>[];
        const deployed = outputs.find(
          (o) => typeof o?.deploymentId === 'string' && typeof o.version === 'number',
        );
        const registered = outputs.find((o) => typeof o?.name === 'string' && typeof o.version === 'number');
        const version = (deployed?.version ?? registered?.version) as number | undefined;
        out = deployed
          ? {
              action: 'retrain',
              applied: true,
              detail: `retrained ${input.model ?? 'the model'}: v${version} deployed (${String(deployed.deploymentId)})`,
              version,
            }
          : registered
            ? {
                action: 'retrain',
                applied: true,
                detail: `retrained ${input.model ?? 'the model'}: v${version} registered, not deployed`,
                version,
              }
            : {
                action: 'retrain',
                applied: false,
                detail: 'retrain requested; no new version was registered by this run',
              };
      }
      if (approvedBy) out.approvedBy = approvedBy;
      const at = new Date().toISOString();
      triggers.updateTriage(input.triageId, {
        status: input.action === 'mute' ? 'muted' : out.applied ? 'applied' : 'failed',
        outcome: { ...out, runId: ctx.runId, at },
      });
      if (input.alert) {
        const lineage = new LineageStore(triggers.db);
        const id = `alert:${input.alert}`;
        const existing = lineage.getEntity(id);
        lineage.upsertEntity({
          id,
          kind: 'alert',
          label: existing?.label ?? id,
          attrs: {
            outcome: {
              action: out.action,
              applied: out.applied,
              detail: out.detail,
              run: ctx.runId,
              at,
              ...(out.approvedBy ? { approvedBy: out.approvedBy } : {}),
              ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
            },
          },
          at,
        });
      }
      ctx.log.info(out.detail);
      return out;
    } finally {
      triggers.close();
    }
  },
});
