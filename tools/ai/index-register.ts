/**
 * index.register: registers a search index version in the model registry as the next version of a named
 * entry of kind "index", so that deploy.http serves it (POST /indexes/<name>/search) with the same aliases,
 * canary shares, rollbacks and audit as models. The registered reference pins the LanceDB table version:
 * serving reads exactly that version, and a rollback serves the previous one. Registering the table version
 * the newest registered version already has (a nightly run where nothing changed) adds no version.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { openModelRegistry } from '../../src/store/model-registry.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { IndexName, IndexRef } from './index-ref.ts';

export const RegisteredIndexRef = z
  .object({
    kind: z.literal('index').describe('Marks a registered search index'),
    dir: z.string().describe('The index folder'),
    hash: z.string().describe('Id of this registered index version'),
    framework: z.literal('lancedb').describe('Always lancedb'),
    algorithm: z.literal('hybrid-search').describe('Vector + full-text search, fused by reciprocal rank'),
    table: z.string().describe('LanceDB table'),
    tableVersion: z.number().int().positive().describe('LanceDB table version served'),
    indexHash: z.string().describe('Content hash of the index version (IndexRef.hash)'),
    embedder: z.string().describe('Embedder queries must use'),
    dims: z.number().int().describe('Vector dimensions'),
    distance: z.enum(['cosine', 'l2', 'dot']).describe('Vector distance'),
    rows: z.number().int().describe('Chunks'),
    metrics: z.record(z.string(), z.number()).describe('Retrieval metrics recorded with the version'),
    params: z.record(z.string(), z.unknown()).describe('How it was built'),
  })
  .describe('A search index version as stored in the model registry');
export type RegisteredIndexRef = z.infer<typeof RegisteredIndexRef>;

export const IndexRegisterInput = z.object({
  index: IndexRef.describe('The index version to register (index.lancedb output "index")'),
  name: IndexName.optional().describe(
    'Registry name (default: the index name); served at /indexes/<name>/search',
  ),
  metrics: z
    .record(z.string(), z.number())
    .default({})
    .describe("Metrics to keep with the version, e.g. evaluate.retrieval's metrics"),
  alias: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/)
    .optional()
    .describe('Alias to point at the new version, e.g. "staging" (production is moved by deploy.http)'),
  description: z.string().optional().describe('A note kept with the version'),
});

export const IndexRegisterOutput = z.object({
  name: z.string().describe('Registry name'),
  version: z.number().int().positive().describe('Registered version number'),
  ref: RegisteredIndexRef,
  endpoint: z.string().describe('Where it is served once deployed'),
  created: z
    .boolean()
    .describe('false when the newest registered version already was this table version (nothing added)'),
});

export const indexRegister = defineTask({
  id: 'index.register',
  placement: 'coordinator',
  description:
    'Register a search index version (index.lancedb) in the model registry, so deploy.http can serve it at /indexes/<name>/search with aliases, canary and rollback.',
  input: IndexRegisterInput,
  output: IndexRegisterOutput,
  cacheable: false,
  async run(input, ctx) {
    const name = input.name ?? input.index.name;
    const ref: RegisteredIndexRef = {
      kind: 'index',
      dir: input.index.path,
      // A registration has its own id, distinct from the index version's content hash, so the lineage links
      // the registered entry to the index version it was made from.
      hash: createHash('sha256')
        .update(`pipewright.index:${input.index.hash}:${input.index.tableVersion}`)
        .digest('hex'),
      framework: 'lancedb',
      algorithm: 'hybrid-search',
      table: input.index.table,
      tableVersion: input.index.tableVersion,
      indexHash: input.index.hash,
      embedder: input.index.embedder,
      dims: input.index.dims,
      distance: input.index.distance,
      rows: input.index.rows,
      metrics: input.metrics,
      params: { index: input.index.name, version: input.index.version },
    };
    const registry = openModelRegistry(ctx.config);
    const endpoint = `/indexes/${encodeURIComponent(name)}/search`;
    try {
      const latest = registry.hasModel(name) ? registry.listVersions(name)[0] : undefined;
      const same = latest?.ref as Partial<RegisteredIndexRef> | undefined;
      if (
        latest &&
        same?.kind === 'index' &&
        same.dir === ref.dir &&
        same.tableVersion === ref.tableVersion
      ) {
        if (input.alias && registry.getAliases(name)[input.alias] !== latest.version)
          registry.setAlias(name, input.alias, latest.version, ctx.config.user, `registered by ${ctx.runId}`);
        ctx.log.info(`index ${name} version ${latest.version} already is table ${input.index.version}`);
        return {
          name,
          version: latest.version,
          ref: RegisteredIndexRef.parse(latest.ref),
          endpoint,
          created: false,
        };
      }
      const record = registry.db.transaction(() => {
        const v = registry.registerVersion({
          name,
          ref,
          runId: ctx.runId,
          stepId: ctx.stepId,
          ...(input.description ? { description: input.description } : {}),
          createdBy: ctx.config.user,
        });
        if (input.alias)
          registry.setAlias(name, input.alias, v.version, ctx.config.user, `registered by ${ctx.runId}`);
        return v;
      })();
      ctx.log.info(`registered index ${name} version ${record.version} (table ${input.index.version})`);
      return { name, version: record.version, ref, endpoint, created: true };
    } finally {
      registry.close();
    }
  },
});

/** Whether a registry reference is a search index (anything else is a model). */
export const isIndexRef = (ref: unknown): boolean =>
  typeof ref === 'object' && ref !== null && (ref as { kind?: unknown }).kind === 'index';
