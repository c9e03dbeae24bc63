/**
 * Run memory: when a run ends, its story (goal, plan, step outcomes, errors, metrics, data versions,
 * decisions) becomes a handful of documents, appended to LanceDB in one batch with metadata columns for
 * where-filters. Search is hybrid: vector search and the full-text index, fused with reciprocal rank fusion.
 *
 * Memory is never on a run's critical path: documents are built when the run ends, written in the
 * background, retried with backoff while the folder is missing, locked or corrupt, and `pipewright memory
 * rebuild` recreates the whole table from the run store.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import type { Config } from '../config.ts';
import { isPipewrightError, systemError, userError } from '../errors.ts';
import { type RunRecord, type RunStore, TERMINAL_RUN_STATUSES } from '../store/index.ts';
import { createEmbedder, type Embedder } from './embeddings.ts';
import { collectRefs, datasetLabel, isObject, metricsOf } from './refs.ts';

export const MEMORY_TABLE = 'runs';
/**
 * Below this many rows search is exact (brute force) and filters scan the columns; at or above it the
 * vector index and the scalar indices of the filter columns are built.
 */
export const ANN_THRESHOLD = 10_000;

/**
 * How the vector side searches. The index is IVF_FLAT: vectors are grouped in partitions of similar
 * vectors (about 800 rows each) and the closest partitions are searched with exact distances, so nothing is
 * lost to quantisation. On 100k lexical run documents 16 probes find the exact top 10; IVF-PQ (24 probes,
 * refine ×4) found 77 % of it, in more time. With a narrow where-filter more partitions are searched until
 * the limit is filled.
 */
export const VECTOR_SEARCH = {
  index: 'IvfFlat',
  rowsPerPartition: 800,
  maxPartitions: 1024,
  nprobes: 16,
} as const;

/** Filter columns with few distinct values get bitmap indices; the others b-trees. */
const BITMAP_COLUMNS = ['status', 'kind', 'pipeline', 'code', 'step'] as const;
const BTREE_COLUMNS = ['run_id', 'time', 'model', 'dataset'] as const;
/**
 * The whole document as JSON, beside its columns: search reads this one column of each candidate instead of
 * eleven (each column read costs about half a millisecond per query). Tables written before it existed
 * lack it and are read column by column; `pipewright memory rebuild` adds it.
 */
const DOC_COLUMN = 'doc';
/** What a hit carries: every column but the vector. */
const HIT_COLUMNS = [
  'id',
  'run_id',
  'kind',
  'step',
  'text',
  'pipeline',
  'status',
  'time',
  'model',
  'dataset',
  'code',
] as const;

export interface MemoryDocument {
  id: string;
  run_id: string;
  /** run, steps, error, metrics, data, decision */
  kind: string;
  step: string;
  text: string;
  pipeline: string;
  status: string;
  /** ISO time the run ended (or was created). */
  time: string;
  model: string;
  dataset: string;
  /** Error code, for error documents. */
  code: string;
}

export interface MemoryHit extends MemoryDocument {
  score: number;
  vector?: number[];
}

/** Column filters (exact matches), or a LanceDB SQL where-clause such as "status = 'failed'". */
export type MemoryFilter =
  | string
  | Partial<
      Record<'run_id' | 'kind' | 'step' | 'pipeline' | 'status' | 'model' | 'dataset' | 'code', string>
    >;

export interface SearchOptions {
  filter?: MemoryFilter;
  limit?: number;
  embedder?: Embedder;
  /** Also return each hit's vector (for similarity checks). */
  withVectors?: boolean;
}

// ---- documents ------------------------------------------------------------------------------------

const errText = (e: { what: string; why?: string | undefined; fix?: string | undefined } | undefined) =>
  e ? [e.what, e.why].filter(Boolean).join(': ') : '';

/** The memory documents of one finished run, read from the run store. */
export function runDocuments(store: RunStore, runIdOrRecord: string | RunRecord): MemoryDocument[] {
  const run = typeof runIdOrRecord === 'string' ? store.requireRun(runIdOrRecord) : runIdOrRecord;
  const steps = store.getSteps(run.id);
  const approvals = store.listApprovals({ runId: run.id }).filter((a) => a.status !== 'pending');
  const tasks = new Map(run.plan.steps.map((s) => [s.id, s.kind === 'task' ? s.task : 'approval']));

  let model = '';
  let dataset = '';
  let named = false;
  const dataLines: string[] = [];
  const metricLines: string[] = [];
  for (const s of steps) {
    const out = s.output;
    if (isObject(out) && typeof out.name === 'string' && typeof out.version === 'number' && out.ref)
      model = `${out.name}@${out.version}`;
    const refs = collectRefs(out);
    for (const d of refs.datasets) {
      const label = datasetLabel(d);
      if (d.name || d.version) {
        if (!named) dataset = label;
        named = true;
      } else if (!dataset) dataset = label;
      dataLines.push(
        `${s.stepId} → ${label} (${d.rows} rows; columns ${d.columns
          .map((c) => c.name)
          .slice(0, 12)
          .join(', ')})`,
      );
    }
    for (const m of refs.models) {
      if (!model) model = `${m.algorithm ?? m.framework} ${m.hash.slice(0, 12)}`;
      const mm = metricsOf(m);
      if (mm && !(isObject(out) && out.ref))
        metricLines.push(`${s.stepId} ${m.algorithm ?? ''} ${fmtMetrics(mm)}`);
    }
    const direct = metricsOf(out);
    if (direct) metricLines.push(`${s.stepId} ${fmtMetrics(direct)}`);
  }

  const time = run.finishedAt ?? run.createdAt;
  const base = {
    run_id: run.id,
    pipeline: run.planName,
    status: run.status,
    time,
    model,
    dataset,
    step: '',
    code: '',
  };
  const docs: MemoryDocument[] = [];
  const push = (kind: string, text: string, extra: Partial<MemoryDocument> = {}) =>
    docs.push({ ...base, ...extra, id: `${run.id}#${docs.length}`, kind, text });

  const planSummary = run.plan.steps.map((s) => `${s.id} (${tasks.get(s.id)})`).join(' → ');
  const inputs = Object.entries(run.inputs)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  push(
    'run',
    [
      `Run ${run.id} of pipeline ${run.planName} ${run.status} at ${time}.`,
      run.plan.goal ? `Goal: ${run.plan.goal}.` : '',
      run.plan.description ? `Description: ${run.plan.description}.` : '',
      `Plan: ${planSummary}.`,
      inputs ? `Inputs: ${inputs}.` : '',
      run.error ? `Error: ${errText(run.error)}.` : '',
      `Triggered by ${run.trigger}, created by ${run.createdBy}.`,
    ]
      .filter(Boolean)
      .join(' '),
    run.error ? { code: run.error.code } : {},
  );
  push(
    'steps',
    `Step outcomes of run ${run.id} (${run.planName}): ${steps
      .map((s) => {
        const what = s.status === 'failed' ? `failed: ${errText(s.error)}` : s.status;
        return `${s.stepId} ${s.task ? `(${s.task}) ` : ''}${what}${s.cached ? ' (cached)' : ''}${
          s.reason && s.status !== 'failed' ? ` (${s.reason})` : ''
        }`;
      })
      .join('; ')}.`,
  );
  for (const s of steps.filter((x) => x.status === 'failed')) {
    push(
      'error',
      `Step ${s.stepId}${s.task ? ` (${s.task})` : ''} of pipeline ${run.planName} failed in run ${run.id}` +
        ` after ${s.attempt} attempt${s.attempt === 1 ? '' : 's'}: ${errText(s.error) || s.reason || 'unknown error'}.` +
        (s.error?.fix ? ` Fix: ${s.error.fix}` : ''),
      { step: s.stepId, code: s.error?.code ?? '' },
    );
  }
  if (metricLines.length)
    push('metrics', `Metrics of run ${run.id} (${run.planName}): ${metricLines.join('; ')}.`);
  if (dataLines.length)
    push('data', `Data versions in run ${run.id} (${run.planName}): ${dataLines.join('; ')}.`);
  for (const a of approvals) {
    push(
      'decision',
      `Decision at step ${a.stepId} of run ${run.id} (${run.planName}): "${a.message}" ${a.status} by ${
        a.decidedBy ?? 'unknown'
      } at ${a.decidedAt ?? '?'}${a.via ? ` via ${a.via}` : ''}.${a.comment ? ` Comment: ${a.comment}` : ''}`,
      { step: a.stepId },
    );
  }
  return docs;
}

function fmtMetrics(m: Record<string, number>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(' ');
}

// ---- the LanceDB table ----------------------------------------------------------------------------

type Row = MemoryDocument & { vector: number[]; doc?: string } & Record<string, unknown>;
/** A search result: the columns asked for and the row id. */
type Candidate = Record<string, unknown> & { _rowid: bigint };

/** One LanceDB folder holding the memory table. Opening is lazy; a failure resets it for the next try. */
export class MemoryIndex {
  private conn: Connection | undefined;
  private table: Table | undefined;
  /** Whether the open table has the packed document column. */
  private packed = false;
  private appends = 0;

  constructor(
    readonly dir: string,
    readonly embedder: Embedder,
  ) {}

  private async connect(): Promise<Connection> {
    if (!this.conn) {
      if (existsSync(this.dir) && !statSync(this.dir).isDirectory())
        throw systemError(
          'MEMORY_DIR_INVALID',
          `Run memory folder ${this.dir} is not a folder`,
          'something else occupies the path',
          'Move the file away, or run `pipewright memory rebuild`, which replaces it.',
        );
      const lancedb = await import('@lancedb/lancedb');
      // Check for other handles' writes on every read: the background writer and search use different
      // handles in one process (and other processes write too); without this a handle never sees new rows.
      this.conn = await lancedb.connect(this.dir, { readConsistencyInterval: 0 });
    }
    return this.conn;
  }

  /** The table, or undefined when nothing was ever written. */
  async open(): Promise<Table | undefined> {
    if (this.table) return this.table;
    if (!existsSync(this.dir)) return undefined;
    const conn = await this.connect();
    const names = await conn.tableNames();
    if (!names.includes(MEMORY_TABLE)) return undefined;
    const table = await conn.openTable(MEMORY_TABLE);
    this.packed = (await table.schema()).fields.some((f) => f.name === DOC_COLUMN);
    this.table = table;
    return table;
  }

  reset(): void {
    this.conn?.close();
    this.conn = undefined;
    this.table = undefined;
    this.packed = false;
  }

  close(): void {
    this.reset();
  }

  async count(filter?: string): Promise<number> {
    const t = await this.open();
    return t ? t.countRows(filter) : 0;
  }

  /**
   * Embeds and appends documents in one batch (creating the table with its full-text index on first use).
   * With `skipExisting`, runs already in the table are left out, so a retry after a rebuild adds nothing twice.
   */
  async append(docs: MemoryDocument[], opts: { skipExisting?: boolean } = {}): Promise<number> {
    if (docs.length === 0) return 0;
    let todo = docs;
    const existing = await this.open();
    if (existing && opts.skipExisting) {
      const runs = [...new Set(docs.map((d) => d.run_id))];
      const present = await existing.countRows(`run_id IN (${runs.map(quote).join(', ')})`);
      if (present > 0) {
        const rows = (await existing
          .query()
          .where(`run_id IN (${runs.map(quote).join(', ')})`)
          .select(['run_id'])
          .toArray()) as { run_id: string }[];
        const have = new Set(rows.map((r) => r.run_id));
        todo = docs.filter((d) => !have.has(d.run_id));
      }
    }
    if (todo.length === 0) return 0;
    const vectors = await this.embedder.embed(todo.map((d) => d.text));
    const pack = !existing || this.packed;
    const rows: Row[] = todo.map((d, i) => ({
      ...d,
      vector: vectors[i] as number[],
      ...(pack ? { [DOC_COLUMN]: packDoc(d) } : {}),
    }));
    if (!existing) {
      const conn = await this.connect();
      this.table = await conn.createTable(MEMORY_TABLE, rows, { mode: 'create', existOk: true });
      this.packed = true;
      await this.ensureFts(this.table);
    } else {
      await this.checkDims(existing, rows[0]?.vector.length ?? 0);
      await existing.add(rows);
    }
    await this.maintain();
    return rows.length;
  }

  private async checkDims(t: Table, dims: number): Promise<void> {
    const field = (await t.schema()).fields.find((f) => f.name === 'vector');
    const size = (field?.type as { listSize?: number } | undefined)?.listSize;
    if (size !== undefined && size !== dims) {
      throw userError(
        'MEMORY_EMBEDDINGS_CHANGED',
        `The memory table holds ${size}-dimension vectors, but ${this.embedder.id} gives ${dims}`,
        'the embedding provider or model changed since the memory was built',
        'Run `pipewright memory rebuild` to re-embed every run with the current provider.',
      );
    }
  }

  private async ensureFts(t: Table): Promise<void> {
    const { Index } = await import('@lancedb/lancedb');
    const indices = await t.listIndices();
    if (!indices.some((i) => i.columns.includes('text')))
      await t.createIndex('text', { config: Index.fts(), replace: true });
  }

  /** Indices once the table is large (and again when it outgrew them); periodic optimize folds new rows in. */
  private async maintain(): Promise<void> {
    const t = this.table;
    if (!t) return;
    this.appends++;
    const built = await this.ensureIndices(t);
    if (!built && this.appends % 50 === 0) await t.optimize();
  }

  /**
   * From ANN_THRESHOLD rows: builds the vector index when it is missing, of an older kind (IVF-PQ), or has
   * at most half the partitions the table's size calls for (optimize() folds new rows into the existing
   * partitions, which grow; the partition count is in the index name), and the scalar index of every filter
   * column that has none. Returns whether it built anything.
   */
  private async ensureIndices(t: Table): Promise<boolean> {
    const indices = await t.listIndices();
    const vector = indices.find((i) => i.columns.includes('vector'));
    const scalars = [...BITMAP_COLUMNS, ...BTREE_COLUMNS].filter(
      (c) => !indices.some((i) => i.columns.length === 1 && i.columns[0] === c),
    );
    const partitions = Number(/_p(\d+)$/.exec(vector?.name ?? '')?.[1] ?? 0);
    const current = vector?.indexType === VECTOR_SEARCH.index && partitions > 0;
    const rows = await t.countRows();
    if (rows < ANN_THRESHOLD) return false;
    const stale = !current || partitionsFor(rows) >= 2 * partitions;
    if (!stale && scalars.length === 0) return false;
    await this.buildIndices(t, { vector: stale, scalars });
    return true;
  }

  /** Builds (or rebuilds) the vector index and the filter columns' scalar indices, whatever the size. */
  async buildAnnIndex(): Promise<void> {
    const t = await this.open();
    if (!t) return;
    await this.buildIndices(t, { vector: true, scalars: [...BITMAP_COLUMNS, ...BTREE_COLUMNS] });
  }

  private async buildIndices(t: Table, what: { vector: boolean; scalars: string[] }): Promise<void> {
    const { Index } = await import('@lancedb/lancedb');
    for (const c of what.scalars) {
      const bitmap = (BITMAP_COLUMNS as readonly string[]).includes(c);
      await t.createIndex(c, { config: bitmap ? Index.bitmap() : Index.btree(), replace: true });
    }
    if (!what.vector) return;
    const numPartitions = partitionsFor(await t.countRows());
    const old = (await t.listIndices()).filter((i) => i.columns.includes('vector'));
    const name = `vector_ivf_flat_p${numPartitions}`;
    await t.createIndex('vector', {
      config: Index.ivfFlat({ numPartitions, distanceType: 'l2' }),
      name,
      replace: true,
    });
    for (const i of old) if (i.name !== name) await t.dropIndex(i.name);
  }

  async hasAnnIndex(): Promise<boolean> {
    const t = await this.open();
    return t ? (await t.listIndices()).some((i) => i.columns.includes('vector')) : false;
  }

  /**
   * Hybrid search: a vector query and a full-text query, each with the where-filter, fused with reciprocal
   * rank fusion (k = 60). The two run concurrently and read one column per candidate, the packed document
   * (reading eleven columns per candidate was about half the query time); on older tables without it they
   * read ids, and the `limit` winners' columns are read in one take. Fusing here (rather than with LanceDB's
   * RRFReranker) also copes with one side finding nothing, which the built-in hybrid path rejects once an
   * ANN index exists.
   */
  async search(query: string, opts: SearchOptions = {}): Promise<MemoryHit[]> {
    const t = await this.open();
    if (!t) return [];
    const limit = opts.limit ?? 10;
    const depth = Math.max(limit * 2, 20);
    const where = toWhere(opts.filter);
    const withVectors = opts.withVectors ?? false;
    const packed = this.packed;
    const columns = packed ? [DOC_COLUMN, ...(withVectors ? ['vector'] : [])] : ['id'];
    const [vector] = await this.embedder.embed([query]);
    const words = query.replace(/[^\p{L}\p{N}\s]+/gu, ' ').trim();
    const vectorSide = () => this.nearest(vector as number[], { limit: depth, where, columns });
    const textSide = async () => {
      if (!words) return [];
      let q = t
        .query()
        .fullTextSearch(words)
        .select([...columns, '_score'])
        .withRowId();
      if (where) q = q.where(where);
      try {
        return (await q.limit(depth).toArray()) as Candidate[];
      } catch (e) {
        if (/inverted index|fts|full.?text/i.test((e as Error).message)) return []; // no FTS index yet
        throw e;
      }
    };
    let sides: Candidate[][];
    try {
      sides = await Promise.all([vectorSide(), textSide()]);
    } catch (e) {
      if (where && !(await this.filterWorks(t, where))) {
        throw userError(
          'MEMORY_FILTER_INVALID',
          `The memory filter "${where}" could not be used`,
          (e as Error).message.split('\n')[0],
          'Write a SQL condition on pipeline, status, time, model, dataset, run_id, kind, step or code, e.g. "status = \'failed\'".',
        );
      }
      throw e;
    }
    const fused = new Map<string, { row: Record<string, unknown>; rowid: bigint; score: number }>();
    for (const side of sides) {
      side.forEach((c, rank) => {
        const row = packed ? unpack(c) : c;
        const id = String(row.id);
        const entry = fused.get(id) ?? { row, rowid: c._rowid, score: 0 };
        entry.score += 1 / (60 + rank + 1);
        fused.set(id, entry);
      });
    }
    const top = [...fused.entries()].sort((a, b) => b[1].score - a[1].score).slice(0, limit);
    if (top.length === 0) return [];
    if (packed) return top.map(([, f]) => toHit(f.row, f.score, withVectors));
    const rows = await this.rowsOf(
      t,
      top.map(([id, f]) => ({ id, rowid: f.rowid })),
      withVectors,
    );
    return top.flatMap(([id, f]) => {
      const row = rows.get(id);
      return row ? [toHit(row, f.score, withVectors)] : [];
    });
  }

  /**
   * The vector side of search: the nearest documents (their ids, or the given columns, and row ids),
   * through the vector index when there is one; `exact` bypasses it (brute force), which is what the
   * index's recall is measured against.
   */
  async nearest(
    vector: number[],
    opts: { limit: number; where?: string | undefined; exact?: boolean; columns?: string[] },
  ): Promise<Candidate[]> {
    const t = await this.open();
    if (!t) return [];
    let q = t
      .query()
      .nearestTo(vector)
      .select([...(opts.columns ?? ['id']), '_distance'])
      .withRowId();
    q = opts.exact ? q.bypassVectorIndex() : q.minimumNprobes(VECTOR_SEARCH.nprobes);
    if (opts.where) q = q.where(opts.where);
    return (await q.limit(opts.limit).toArray()) as Candidate[];
  }

  /**
   * The columns of the given documents, by row id, for tables without the packed document column. Row ids
   * are row addresses, which a compaction between the search and this read (another handle's optimize)
   * moves: a take that fails or returns other rows is made good by reading the missing ones by id.
   */
  private async rowsOf(
    t: Table,
    wanted: { id: string; rowid: bigint }[],
    withVectors: boolean,
  ): Promise<Map<string, Record<string, unknown>>> {
    const columns = withVectors ? [...HIT_COLUMNS, 'vector'] : [...HIT_COLUMNS];
    const byId = new Map<string, Record<string, unknown>>();
    const taken = (await t
      .takeRowIds(wanted.map((w) => w.rowid))
      .select(columns)
      .toArray()
      .catch(() => [])) as Record<string, unknown>[]; // stale row addresses: read by id below
    for (const r of taken) byId.set(String(r.id), r);
    const missing = wanted.filter((w) => !byId.has(w.id));
    if (missing.length > 0) {
      const again = (await t
        .query()
        .where(`id IN (${missing.map((m) => quote(m.id)).join(', ')})`)
        .select(columns)
        .limit(missing.length)
        .toArray()) as Record<string, unknown>[];
      for (const r of again) byId.set(String(r.id), r);
    }
    return byId;
  }

  private async filterWorks(t: Table, where: string): Promise<boolean> {
    try {
      await t.query().where(where).limit(1).toArray();
      return true;
    } catch {
      return false;
    }
  }
}

/** IVF partitions for a table of this many rows: about VECTOR_SEARCH.rowsPerPartition rows each. */
export function partitionsFor(rows: number): number {
  return Math.min(
    VECTOR_SEARCH.maxPartitions,
    Math.max(1, Math.round(rows / VECTOR_SEARCH.rowsPerPartition)),
  );
}

function packDoc(d: MemoryDocument): string {
  const doc: Record<string, string> = {};
  for (const k of HIT_COLUMNS) doc[k] = d[k];
  return JSON.stringify(doc);
}

/** A search row with the packed document: its fields, and the vector when it was read. */
function unpack(c: Candidate): Record<string, unknown> {
  const doc = JSON.parse(String(c[DOC_COLUMN])) as Record<string, unknown>;
  return c.vector ? { ...doc, vector: c.vector } : doc;
}

function toHit(r: Record<string, unknown>, score: number, withVector: boolean): MemoryHit {
  const s = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : '');
  const hit: MemoryHit = {
    id: s('id'),
    run_id: s('run_id'),
    kind: s('kind'),
    step: s('step'),
    text: s('text'),
    pipeline: s('pipeline'),
    status: s('status'),
    time: s('time'),
    model: s('model'),
    dataset: s('dataset'),
    code: s('code'),
    score,
  };
  if (withVector && r.vector) hit.vector = Array.from(r.vector as ArrayLike<number>);
  return hit;
}

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

export function toWhere(filter: MemoryFilter | undefined): string | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === 'string') return filter.trim() || undefined;
  const parts = Object.entries(filter)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${quote(String(v))}`);
  return parts.length ? parts.join(' AND ') : undefined;
}

// ---- wiring -----------------------------------------------------------------------------------------

const indexes = new Map<string, MemoryIndex>();

/** One MemoryIndex per folder and embedder in this process (connections are reused). */
export function memoryIndex(config: Config, embedder: Embedder = createEmbedder(config)): MemoryIndex {
  const key = `${config.memoryDir}|${embedder.id}`;
  let idx = indexes.get(key);
  if (!idx) {
    idx = new MemoryIndex(config.memoryDir, embedder);
    indexes.set(key, idx);
  }
  return idx;
}

/** Hybrid search over run memory. An empty or missing memory gives no hits. */
export async function searchMemory(
  config: Config,
  query: string,
  opts: SearchOptions = {},
): Promise<MemoryHit[]> {
  const idx = memoryIndex(config, opts.embedder);
  try {
    return await idx.search(query, opts);
  } catch (e) {
    idx.reset();
    if (isPipewrightError(e)) throw e;
    throw systemError(
      'MEMORY_UNREADABLE',
      `Run memory at ${config.memoryDir} could not be searched`,
      (e as Error).message.split('\n')[0],
      'Run `pipewright memory rebuild` to recreate it from the run store.',
      e,
    );
  }
}

export interface MemoryRecorder {
  /** Waits for the write in progress and tries what is pending once more, now. */
  flush(): Promise<{ pending: number }>;
  /** Runs whose documents are waiting to be written. */
  pending(): number;
  detach(): void;
}

export interface AttachMemoryOptions {
  embedder?: Embedder;
  log?: (message: string) => void;
  /** First retry delay; doubles per failure up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Oldest pending runs are dropped past this many (rebuild restores them). */
  maxPending?: number;
}

/**
 * Records every run that ends in this process: documents are built from the store when the run ends and
 * written by a background writer, which retries with backoff and never throws into the run.
 */
export function attachMemory(
  store: RunStore,
  config: Config,
  opts: AttachMemoryOptions = {},
): MemoryRecorder {
  const index = new MemoryIndex(config.memoryDir, opts.embedder ?? createEmbedder(config));
  const log = opts.log ?? ((m: string) => void process.stderr.write(`${m}\n`));
  const retryMs = opts.retryMs ?? 1_000;
  const maxRetryMs = opts.maxRetryMs ?? 60_000;
  const maxPending = opts.maxPending ?? 1_000;
  const queue: MemoryDocument[][] = [];
  let writing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let detached = false;

  const drain = async () => {
    while (queue.length > 0) {
      const docs = queue[0] as MemoryDocument[];
      try {
        await index.append(docs, { skipExisting: true });
        queue.shift();
        if (failures > 0) log(`pipewright: run memory is writable again (${config.memoryDir})`);
        failures = 0;
      } catch (e) {
        index.reset();
        if (failures === 0)
          log(
            `pipewright: run memory not written (${(e as Error).message.split('\n')[0]}); retrying in the background. ` +
              'Runs are unaffected; `pipewright memory rebuild` recreates it from the run store.',
          );
        failures++;
        schedule();
        return;
      }
    }
  };
  const kick = () => {
    if (writing || detached) return writing;
    writing = drain().finally(() => {
      writing = undefined;
    });
    return writing;
  };
  const schedule = () => {
    if (timer || detached) return;
    const delay = Math.min(maxRetryMs, retryMs * 2 ** Math.max(0, failures - 1));
    timer = setTimeout(() => {
      timer = undefined;
      void kick();
    }, delay);
    timer.unref();
  };

  let warned = false;
  const unsubscribe = store.subscribe((e) => {
    if (e.type !== 'run.succeeded' && e.type !== 'run.failed' && e.type !== 'run.cancelled') return;
    try {
      queue.push(runDocuments(store, e.runId));
      while (queue.length > maxPending) queue.shift();
      if (!timer) setImmediate(() => void kick());
    } catch (err) {
      if (!warned) {
        warned = true;
        log(`pipewright: run memory skipped a run (${(err as Error).message})`);
      }
    }
  });

  return {
    async flush() {
      await new Promise<void>((r) => setImmediate(r));
      if (writing) await writing;
      if (queue.length > 0) {
        if (timer) {
          clearTimeout(timer);
          timer = undefined;
        }
        await kick();
      }
      return { pending: queue.length };
    },
    pending: () => queue.length,
    detach() {
      detached = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      index.close();
    },
  };
}

export interface RebuildResult {
  runs: number;
  documents: number;
  dir: string;
  annIndex: boolean;
  ms: number;
}

/**
 * Recreates the memory table from every finished run in the store. It is built in a fresh folder and then
 * swapped in, so a missing, locked or corrupt folder is simply replaced.
 */
export async function rebuildMemory(
  store: RunStore,
  config: Config,
  opts: { embedder?: Embedder; batch?: number } = {},
): Promise<RebuildResult> {
  const t0 = performance.now();
  const embedder = opts.embedder ?? createEmbedder(config);
  const dir = config.memoryDir;
  const fresh = `${dir}.rebuild-${process.pid}`;
  rmSync(fresh, { recursive: true, force: true });
  const index = new MemoryIndex(fresh, embedder);
  const statuses = TERMINAL_RUN_STATUSES.map((s) => `'${s}'`).join(', ');
  const ids = store.db
    .prepare(`SELECT id FROM runs WHERE status IN (${statuses}) ORDER BY created_at, rowid`)
    .all() as { id: string }[];
  let documents = 0;
  let batch: MemoryDocument[] = [];
  const size = opts.batch ?? 2_000;
  try {
    for (const { id } of ids) {
      batch.push(...runDocuments(store, id));
      if (batch.length >= size) {
        documents += await index.append(batch);
        batch = [];
      }
    }
    documents += await index.append(batch);
    const annIndex = await index.hasAnnIndex();
    index.close();
    const old = `${dir}.old-${process.pid}`;
    rmSync(old, { recursive: true, force: true });
    if (existsSync(dir)) renameSync(dir, old);
    if (existsSync(fresh)) renameSync(fresh, dir);
    rmSync(old, { recursive: true, force: true });
    for (const [key, idx] of indexes) if (key.startsWith(`${dir}|`)) idx.reset();
    return { runs: ids.length, documents, dir: path.resolve(dir), annIndex, ms: performance.now() - t0 };
  } catch (e) {
    index.close();
    rmSync(fresh, { recursive: true, force: true });
    throw e;
  }
}
