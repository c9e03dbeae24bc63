/**
 * The server's policy: which tasks need whose approval, who may waive it, which secrets a step may see,
 * where steps and tasks may connect, how model serving is guarded and how plans are bounded. One YAML file
 * (<stateDir>/policy.yaml or PIPEWRIGHT_POLICY); every field has a default, so no file means the defaults.
 */
import { z } from 'zod';
import { PLAN_LIMITS } from '../plan/io.ts';
import { ROLES } from '../store/auth-store.ts';

const Role = z.enum(ROLES);
const Roles = z.array(Role);

const TASK_ID = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

export const ApprovalPolicy = z
  .strictObject({
    tasks: z
      .array(z.string().regex(TASK_ID, 'task ids look like "stage.name"'))
      .default([])
      .describe(
        "Tasks that need a human decision upstream, beyond the catalog's own (tasks that run commands or deploy always do)",
      ),
    approverRole: Role.default('approver').describe(
      'The least role that may decide an approval guarding such a task',
    ),
    selfApproval: Roles.default(['admin']).describe(
      'Roles that may decide such an approval on a run they submitted themselves (audited as a waiver)',
    ),
  })
  .describe('Which tasks need whose approval');

export const WaiverPolicy = z
  .strictObject({
    roles: Roles.default(['admin']).describe(
      'Submitter roles whose plans may skip approvals of gated tasks (allowUnapproved) or let a timeout approve them (onTimeout: approve); every waiver is audited',
    ),
  })
  .describe('Who may switch a checkpoint off');

export const IdentityPolicy = z
  .strictObject({
    cli: z
      .union([z.literal('auto'), Role])
      .default('auto')
      .describe(
        'Role of the local CLI user without PIPEWRIGHT_TOKEN: auto = admin on an embedded SQLite store (its owner), operator on a shared Postgres store',
      ),
    triggers: Role.default('operator').describe('Role of runs started by cron, watched folders and webhooks'),
    triage: Role.default('operator').describe('Role of runs proposed by the triage agent'),
  })
  .describe('Roles of submitters that are not a token or a Slack user');

export const SecretGrant = z
  .strictObject({
    file: z.string().min(1).describe('File holding the secret (read when a step that declared it starts)'),
    tasks: z
      .array(z.string().regex(TASK_ID))
      .min(1)
      .describe('Tasks whose steps may declare it (e.g. train.command, shell.exec)'),
    roles: Roles.default(['admin']).describe('Submitter roles whose plans may declare it'),
  })
  .describe('A named secret a step may ask for; it reaches the step as an environment variable of that name');

export const EgressPolicy = z
  .strictObject({
    allowHosts: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Hosts (names, IPs or CIDR ranges, "*.corp" suffixes) that ingest.url, webhooks and notify may reach even though they are loopback, link-local or private',
      ),
  })
  .describe('Where tasks may send requests');

export const ServingPolicy = z
  .strictObject({
    predict: z
      .enum(['open', 'token'])
      .default('open')
      .describe('open: POST /models/<name>/predict needs no credential; token: a viewer token or better'),
    keys: z
      .record(z.string(), z.string().regex(/^[a-f0-9]{64}$/, 'the sha256 of the key, in hex'))
      .default({})
      .describe(
        'Per-model keys (sha256 hex of the key): predicting on such a model needs x-model-key (or a token)',
      ),
    unknownFields: z
      .enum(['reject', 'ignore'])
      .default('reject')
      .describe('What predict does with fields that are not model features: reject (400) or ignore'),
  })
  .describe('Who may call model serving, and what it accepts');

export const SandboxPolicy = z
  .strictObject({
    network: z.boolean().default(true).describe('Whether step processes may use the network'),
    readOnly: z
      .array(z.string().min(1))
      .default([])
      .describe('Extra folders step processes may read (absolute paths), e.g. a Python virtualenv'),
    writable: z.array(z.string().min(1)).default([]).describe('Extra folders step processes may write'),
  })
  .describe('What a sealed step process can reach besides the system, the workspace and its scratch dir');

export const LimitsPolicy = z
  .strictObject({
    planBytes: z
      .number()
      .int()
      .positive()
      .default(PLAN_LIMITS.bytes)
      .describe('Largest plan file or API plan, in bytes'),
    planSteps: z.number().int().positive().default(PLAN_LIMITS.steps).describe('Most steps in one plan'),
    yamlAliases: z
      .number()
      .int()
      .nonnegative()
      .default(PLAN_LIMITS.aliases)
      .describe('Most values a plan file may reach through YAML aliases (an alias bomb expands far beyond)'),
  })
  .describe('Bounds on what a plan may be');

export const Policy = z
  .strictObject({
    approval: ApprovalPolicy.default(ApprovalPolicy.parse({})),
    waivers: WaiverPolicy.default(WaiverPolicy.parse({})),
    identities: IdentityPolicy.default(IdentityPolicy.parse({})),
    secrets: z
      .record(z.string().regex(SECRET_NAME, 'secret names are UPPER_CASE'), SecretGrant)
      .default({})
      .describe('Named secrets steps may declare'),
    egress: EgressPolicy.default(EgressPolicy.parse({})),
    serving: ServingPolicy.default(ServingPolicy.parse({})),
    sandbox: SandboxPolicy.default(SandboxPolicy.parse({})),
    limits: LimitsPolicy.default(LimitsPolicy.parse({})),
  })
  .describe('The server policy');
export type Policy = z.infer<typeof Policy>;

/** Who asks: a token, a Slack user, the local CLI user, a trigger or the triage agent. */
export interface Principal {
  name: string;
  role: z.infer<typeof Role>;
  /** token, slack, cli, trigger, triage, ... (recorded in the audit log) */
  via: string;
}

export const DEFAULT_POLICY: Policy = Policy.parse({});
