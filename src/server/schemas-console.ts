/**
 * Request and answer schemas of the web console's read routes (console-api.ts): runs searched and paged, a
 * run's timeline, a step and its artifacts, plans, schedules, models, drift checks, lineage entities and
 * the live feed. The route records parse with them, their handlers are type-checked against them, and the
 * OpenAPI document is made from them.
 */
import { z } from 'zod';
import { ENTITY_KINDS, ROLES } from '../store/index.ts';
import { CONSOLE_RUN_STATUSES, FEED_TYPES } from './console-queries.ts';
import { named } from './schema-names.ts';
import { DeploymentView } from './schemas-models.ts';

// ---- requests -----------------------------------------------------------------------------------------

export const ArtifactQuery = named(
  'ArtifactQuery',
  z
    .object({
      path: z.string().min(1).max(1000).describe('The artifact, as the step listing gave it'),
      file: z
        .string()
        .min(1)
        .max(255)
        .optional()
        .describe("A file inside a folder artifact (the listing's names)"),
    })
    .strict(),
);

export const DriftQuery = named(
  'DriftQuery',
  z
    .object({
      model: z.string().min(1).max(200).optional().describe('Only checks and triages of this model'),
      limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many checks'),
    })
    .strict(),
);

export const EntityQuery = named(
  'EntityQuery',
  z
    .object({
      q: z.string().trim().max(200).optional().describe('Text in the entity id or label'),
      kind: z.enum(ENTITY_KINDS).optional().describe('Only this kind (run, dataset, model, deployment, …)'),
      limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many entities'),
    })
    .strict(),
);

export const YamlBody = named(
  'YamlBody',
  z
    .object({ plan: z.record(z.string(), z.unknown()).describe('A plan as JSON') })
    .strict()
    .describe('A plan to render as YAML'),
);

// ---- answers ------------------------------------------------------------------------------------------

const Counts = z.record(z.string(), z.number().int());

export const ConsoleMe = named(
  'ConsoleMe',
  z.object({
    name: z.string().describe('The token’s name: the identity recorded on what it does'),
    role: z.enum(ROLES),
    via: z.enum(['token', 'slack']),
    roles: z.array(z.enum(ROLES)).describe('Every role, weakest first'),
  }),
);

export const ConsoleRunPage = named(
  'ConsoleRunPage',
  z.object({
    runs: z.array(
      z.object({
        id: z.string(),
        planName: z.string(),
        status: z.enum(CONSOLE_RUN_STATUSES),
        createdAt: z.string(),
        startedAt: z.string().optional(),
        finishedAt: z.string().optional(),
        createdBy: z.string(),
        trigger: z.string(),
        error: z.object({ code: z.string().optional(), what: z.string().optional() }).optional(),
        steps: Counts.describe('Step counts by status'),
      }),
    ),
    total: z.number().int().describe('Runs matching the filters, on every page'),
    offset: z.number().int(),
    limit: z.number().int(),
  }),
);

export const RunFacets = named(
  'RunFacets',
  z.object({
    plans: z.array(z.string()),
    users: z.array(z.string()),
    triggers: z.array(z.string()),
  }),
);

const Segment = z.object({
  kind: z.enum(['queued', 'attempt', 'backoff', 'approval']),
  start: z.string(),
  end: z.string().optional().describe('Absent while it is still going'),
  attempt: z.number().int().optional(),
  outcome: z
    .string()
    .optional()
    .describe(
      'attempt: succeeded, failed, retried, cached, running, interrupted, cancelled; approval: approved, rejected, waiting',
    ),
  note: z.string().optional(),
});

export const RunTimelineView = named(
  'RunTimeline',
  z.object({
    runId: z.string(),
    status: z.string(),
    start: z.string(),
    end: z.string().optional(),
    executing: z
      .array(z.object({ start: z.string(), end: z.string().optional() }))
      .describe('Periods the run was executing (a run waiting for a decision is not)'),
    steps: z.array(
      z.object({
        stepId: z.string(),
        status: z.string(),
        segments: z.array(Segment),
        skipped: z.object({ at: z.string(), reason: z.string().optional() }).optional(),
      }),
    ),
  }),
);

const ArtifactFormat = z.enum(['parquet', 'json', 'csv', 'html', 'text', 'binary', 'dir']);

export const ArtifactEntryView = named(
  'ArtifactEntry',
  z.object({
    field: z.string().describe('Where the step output names it, e.g. model.dir'),
    path: z.string().describe('Relative to the state folder'),
    kind: z.enum(['file', 'dir']),
    bytes: z.number().int(),
    format: ArtifactFormat,
    files: z
      .array(z.object({ name: z.string(), bytes: z.number().int(), format: ArtifactFormat }))
      .optional()
      .describe("A folder's files (one level)"),
  }),
);

export const ArtifactPreviewView = named(
  'ArtifactPreview',
  z.object({
    path: z.string(),
    file: z.string().optional(),
    format: ArtifactFormat,
    bytes: z.number().int(),
    table: z
      .object({
        columns: z.array(z.object({ name: z.string(), type: z.string() })),
        rows: z.array(z.record(z.string(), z.unknown())),
        totalRows: z.number().int(),
      })
      .optional()
      .describe('Datasets: the columns and the first rows'),
    text: z.string().optional().describe('Text files: the first part'),
    truncated: z.boolean().optional(),
  }),
);

export const TriggerViewSchema = named(
  'ConsoleTrigger',
  z.object({
    name: z.string(),
    kind: z.string().describe('cron, file, webhook, drift or bucket'),
    planName: z.string(),
    enabled: z.boolean(),
    spec: z.record(z.string(), z.unknown()).describe('Its settings; a webhook’s secret shows as set or none'),
    catchUp: z.string(),
    maxConcurrent: z.number().int(),
    onLimit: z.string(),
    lastTick: z.string().optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    nextFires: z.array(z.string()).optional().describe('Cron: the next fire times (up to 3)'),
    timezone: z.string().optional().describe('Cron: the zone the schedule is read in'),
    timezoneIsDefault: z.boolean().optional(),
    lastFire: z
      .object({
        tick: z.string(),
        status: z.string(),
        runId: z.string().optional(),
        reason: z.string().optional(),
        at: z.string(),
      })
      .optional(),
  }),
);

export const PlanSummaries = named(
  'PlanSummaries',
  z.object({
    plans: z.array(
      z.object({
        name: z.string(),
        description: z.string().optional(),
        goal: z.string().optional(),
        steps: z.number().int(),
        runs: z.number().int(),
        byStatus: Counts,
        lastRun: z
          .object({
            id: z.string(),
            status: z.string(),
            createdAt: z.string(),
            finishedAt: z.string().optional(),
            createdBy: z.string(),
          })
          .optional(),
        triggers: z.array(TriggerViewSchema),
      }),
    ),
  }),
);

export const PlanDetailView = named(
  'PlanDetail',
  z.object({
    name: z.string(),
    plan: z.unknown().describe('The newest definition, as JSON'),
    yaml: z.string().describe('The same as the CLI writes it ("" when it no longer validates)'),
    versions: z.array(
      z.object({ hash: z.string(), firstSeen: z.string(), lastSeen: z.string(), runs: z.number().int() }),
    ),
    runs: z.array(
      z.object({
        id: z.string(),
        status: z.string(),
        createdAt: z.string(),
        seconds: z.number().optional(),
        createdBy: z.string(),
      }),
    ),
    triggers: z.array(TriggerViewSchema),
  }),
);

export const PlanYaml = named('PlanYaml', z.object({ yaml: z.string() }));

export const Schedules = named(
  'Schedules',
  z.object({
    scheduler: z.object({
      running: z.boolean().describe('Whether this server fires the triggers'),
      timezone: z.string().describe('The server’s zone, for cron triggers without their own'),
    }),
    triggers: z.array(TriggerViewSchema),
  }),
);

export const ConsoleModelList = named(
  'ConsoleModelList',
  z.object({
    models: z.array(
      z.object({
        name: z.string(),
        createdAt: z.string(),
        createdBy: z.string(),
        latestVersion: z.number().int(),
        aliases: z.record(z.string(), z.number().int()).describe('Alias → version'),
        metrics: z.record(z.string(), z.number()).optional().describe('The latest version’s'),
        latestAt: z.string().optional(),
        deployment: DeploymentView.nullable(),
      }),
    ),
  }),
);

export const DriftCheckView = named(
  'DriftCheck',
  z.object({
    runId: z.string(),
    stepId: z.string(),
    planName: z.string(),
    at: z.string(),
    model: z.string().optional(),
    drifted: z.boolean(),
    share: z.number(),
    driftedFeatures: z.array(z.string()),
    features: z.number().int(),
    findings: z.number().int(),
    severity: z.string().optional(),
    summary: z.string().optional(),
    reference: z.object({ rows: z.number().optional(), name: z.string().optional() }).optional(),
    current: z.object({ rows: z.number().optional(), name: z.string().optional() }).optional(),
  }),
);

export const TriageView = named(
  'TriageView',
  z.object({
    id: z.string(),
    model: z.string().nullable(),
    alertRef: z.string(),
    classification: z.string(),
    severity: z.string(),
    action: z.string(),
    status: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
    runId: z.string().nullable(),
    explanation: z.string().nullable(),
    cause: z.string().nullable(),
    columns: z.array(z.string()),
    reasoning: z.array(z.string()),
    reasons: z.array(z.string()),
    rollbackTo: z.number().int().optional(),
  }),
);

export const ConsoleModelDetail = named(
  'ConsoleModelDetail',
  z.object({
    name: z.string(),
    aliases: z.record(z.string(), z.number().int()),
    versions: z.array(
      z.object({
        version: z.number().int(),
        metrics: z.record(z.string(), z.number()),
        params: z.record(z.string(), z.unknown()),
        aliases: z.array(z.string()),
        createdAt: z.string(),
        createdBy: z.string(),
        description: z.string().optional(),
        runId: z.string().optional(),
        stepId: z.string().optional(),
        planName: z.string().optional(),
        datasetVersion: z.string().optional(),
        datasetHash: z.string().optional(),
        hash: z.string(),
        algorithm: z.unknown().describe('From the model reference (null when it has none)'),
        framework: z.unknown(),
        dir: z.unknown().describe('The model folder, relative to the state folder'),
      }),
    ),
    aliasHistory: z.array(
      z.object({
        seq: z.number().int(),
        model: z.string(),
        alias: z.string(),
        action: z.enum(['set', 'rollback']),
        fromVersion: z.number().int().optional(),
        toVersion: z.number().int(),
        by: z.string(),
        at: z.string(),
        reason: z.string().optional(),
      }),
    ),
    deployments: z.array(DeploymentView),
    serving: z.object({
      alias: z.string(),
      version: z.number().int().nullable(),
      canary: z.object({ version: z.number().int(), share: z.number() }).nullable(),
      endpoint: z.string(),
    }),
    drift: z.array(DriftCheckView),
    triages: z.array(TriageView),
  }),
);

export const DriftOverview = named(
  'DriftOverview',
  z.object({ checks: z.array(DriftCheckView), triages: z.array(TriageView) }),
);

export const EntityList = named(
  'EntityList',
  z.object({
    entities: z.array(
      z.object({ id: z.string(), kind: z.enum(ENTITY_KINDS), label: z.string(), at: z.string() }),
    ),
  }),
);

export const FeedEvent = named(
  'FeedEvent',
  z
    .union([
      z.object({ seq: z.number().int().describe('Where the feed starts') }).describe('event: hello (first)'),
      z
        .object({
          seq: z.number().int().describe('Also the event id: Last-Event-ID resumes after it'),
          runId: z.string(),
          stepId: z.string().optional(),
          type: z.enum(FEED_TYPES),
          at: z.string(),
          data: z
            .object({
              attempt: z.unknown().optional(),
              approved: z.unknown().optional(),
              by: z.unknown().optional(),
              reason: z.unknown().optional(),
            })
            .describe('What changed; outputs and errors are read from the run itself'),
        })
        .describe('event: change (one per state change)'),
    ])
    .describe('The data of one event of GET /api/console/events'),
);
