/**
 * A search index is one LanceDB table of chunks (id, doc_id, path, title, heading, text, spans, hashes,
 * vector) in `<stateDir>/indexes/<name>`, with a full-text (BM25) index on text and, from
 * VECTOR_INDEX_MIN_ROWS rows, an IVF_FLAT vector index. Every write makes a new table version; a version
 * can be read again later (`checkout`), which is what lets a registered index version be served, canaried
 * and rolled back. Search is hybrid: a vector query and a full-text query fused with reciprocal rank fusion
 * (k = 60), as run memory does (docs/decisions.md says why not LanceDB's own hybrid path).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import { userError } from '../../src/errors.ts';

export const CHUNKS_TABLE = 'chunks';
/** Below this many rows the vector side is an exact scan, which is fast and needs no training. */
export const VECTOR_INDEX_MIN_ROWS = 256;
const ROWS_PER_PARTITION = 800;
const NPROBES = 16;
const RRF_K = 60;

/** Columns a search hit carries (never the vector). */
export const HIT_COLUMNS = ['id', 'doc_id', 'path', 'title', 'heading', 'text', 'start', 'end'] as const;

export type SearchMode = 'hybrid' | 'vector' | 'text';

export interface IndexMeta {
  embedder: string;
  dims: number;
  distance: 'cosine' | 'l2' | 'dot';
}

export interface SearchHit {
  id: string;
  doc_id: string;
  path: string;
  title: string;
  heading: string;
  text: string;
  start: number;
  end: number;
  /** Fused score (hybrid), 1/(k+rank) sums; higher is better. */
  score: number;
  /** Vector distance, when the vector side found it. */
  distance?: number;
  rank: number;
}

export const indexDir = (stateDir: string, name: string) => path.join(stateDir, 'indexes', name);

const META_FILE = 'index.json';

export function readMeta(dir: string): IndexMeta | undefined {
  const f = path.join(dir, META_FILE);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as IndexMeta;
}

export function writeMeta(dir: string, meta: IndexMeta): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
}

export async function connectIndex(dir: string): Promise<Connection> {
  const lancedb = await import('@lancedb/lancedb');
  mkdirSync(dir, { recursive: true });
  return lancedb.connect(dir, { readConsistencyInterval: 0 });
}

/** The chunks table of an index folder, at its latest version or at `version`. */
export async function openIndexTable(dir: string, version?: number): Promise<Table> {
  if (!existsSync(dir) || !readMeta(dir)) {
    throw userError(
      'INDEX_NOT_FOUND',
      `No search index at ${dir}`,
      'the folder has no index (index.lancedb writes one)',
      'Run the index.lancedb step first, or check the index name.',
    );
  }
  const conn = await connectIndex(dir);
  const table = await conn.openTable(CHUNKS_TABLE);
  if (version !== undefined) {
    try {
      await table.checkout(version);
    } catch (e) {
      throw userError(
        'INDEX_VERSION_GONE',
        `Version ${version} of the index at ${dir} can no longer be read`,
        (e as Error).message.split('\n')[0],
        'Versions older than keepVersionsDays are cleaned up; deploy a newer registered version.',
      );
    }
  }
  return table;
}

export const partitionsFor = (rows: number) =>
  Math.min(1024, Math.max(1, Math.round(rows / ROWS_PER_PARTITION)));

/**
 * Full-text index when missing; the vector index from VECTOR_INDEX_MIN_ROWS rows, rebuilt when the table has
 * grown to twice the partitions it was built for. Returns what it built.
 */
export async function ensureIndices(t: Table, meta: IndexMeta): Promise<string[]> {
  const { Index } = await import('@lancedb/lancedb');
  const built: string[] = [];
  const indices = await t.listIndices();
  if (!indices.some((i) => i.columns.includes('text'))) {
    await t.createIndex('text', { config: Index.fts({ withPosition: false }), replace: true });
    built.push('fts');
  }
  const rows = await t.countRows();
  const vector = indices.find((i) => i.columns.includes('vector'));
  const partitions = Number(/_p(\d+)$/.exec(vector?.name ?? '')?.[1] ?? 0);
  if (rows >= VECTOR_INDEX_MIN_ROWS && (!vector || partitionsFor(rows) >= 2 * partitions)) {
    const numPartitions = partitionsFor(rows);
    const name = `vector_ivf_flat_p${numPartitions}`;
    await t.createIndex('vector', {
      config: Index.ivfFlat({ numPartitions, distanceType: meta.distance }),
      name,
      replace: true,
    });
    if (vector && vector.name !== name) await t.dropIndex(vector.name);
    built.push(name);
  }
  return built;
}

const hitOf = (r: Record<string, unknown>): Omit<SearchHit, 'score' | 'rank'> => ({
  id: String(r.id ?? ''),
  doc_id: String(r.doc_id ?? ''),
  path: String(r.path ?? ''),
  title: String(r.title ?? ''),
  heading: String(r.heading ?? ''),
  text: String(r.text ?? ''),
  start: Number(r.start ?? 0),
  end: Number(r.end ?? 0),
});

/**
 * The k best chunks for a query: vector side (nearest by the index's distance), text side (BM25), or both
 * fused with reciprocal rank fusion. Each side looks at 2k (at least 20) candidates.
 */
export async function searchIndex(
  t: Table,
  meta: IndexMeta,
  q: { text: string; vector?: number[] | undefined; k: number; mode: SearchMode; where?: string | undefined },
): Promise<SearchHit[]> {
  const depth = Math.max(q.k * 2, 20);
  const cols = [...HIT_COLUMNS];
  const vectorSide = async (): Promise<Record<string, unknown>[]> => {
    if (q.mode === 'text' || !q.vector) return [];
    let query = t
      .query()
      .nearestTo(q.vector)
      .distanceType(meta.distance)
      .minimumNprobes(NPROBES)
      .select([...cols, '_distance']);
    if (q.where) query = query.where(q.where);
    return (await query.limit(depth).toArray()) as Record<string, unknown>[];
  };
  const words = q.text.replace(/[^\p{L}\p{N}\s]+/gu, ' ').trim();
  const textSide = async (): Promise<Record<string, unknown>[]> => {
    if (q.mode === 'vector' || !words) return [];
    let query = t
      .query()
      .fullTextSearch(words)
      .select([...cols, '_score']);
    if (q.where) query = query.where(q.where);
    return (await query.limit(depth).toArray()) as Record<string, unknown>[];
  };
  const [vec, txt] = await Promise.all([vectorSide(), textSide()]);
  const fused = new Map<
    string,
    { hit: Omit<SearchHit, 'score' | 'rank'>; score: number; distance?: number }
  >();
  const add = (rows: Record<string, unknown>[], withDistance: boolean) =>
    rows.forEach((r, rank) => {
      const id = String(r.id);
      const entry = fused.get(id) ?? { hit: hitOf(r), score: 0 };
      entry.score += 1 / (RRF_K + rank + 1);
      if (withDistance && typeof r._distance === 'number') entry.distance = r._distance;
      fused.set(id, entry);
    });
  add(vec, true);
  add(txt, false);
  return [...fused.values()]
    .sort((a, b) => b.score - a.score)
    .slice(0, q.k)
    .map((e, i) => ({
      ...e.hit,
      score: e.score,
      rank: i + 1,
      ...(e.distance !== undefined ? { distance: e.distance } : {}),
    }));
}

/** SQL literal for a LanceDB where-clause. */
export const sqlString = (v: string) => `'${v.replace(/'/g, "''")}'`;
