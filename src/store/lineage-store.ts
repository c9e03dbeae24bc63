/**
 * The lineage graph in the run store's SQLite file: entities and typed edges, written as things happen
 * (src/lineage/recorder.ts) and walked with recursive CTEs. An edge points from a thing to what it came
 * from or depends on: `model —trained_on→ dataset`, so "upstream" follows edges forward.
 */

import { userError } from '../errors.ts';
import type { Db } from './db.ts';
import { type Row, whereEquals } from './rows.ts';

export const ENTITY_KINDS = [
  'plan',
  'run',
  'step',
  'dataset',
  'model',
  'deployment',
  'alert',
  'approval',
  'prompt',
] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const EDGE_TYPES = [
  'derived_from',
  'trained_on',
  'evaluated_on',
  'deployed_as',
  'triggered_by',
  'approved_by',
  'replaced',
  'produced_by',
  'part_of',
  'executes',
] as const;
export type EdgeType = (typeof EDGE_TYPES)[number];

export interface LineageEntity {
  id: string;
  kind: EntityKind;
  label: string;
  attrs: Record<string, unknown>;
  runId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface LineageEdge {
  src: string;
  type: EdgeType;
  dst: string;
  attrs: Record<string, unknown>;
  runId?: string;
  createdAt: string;
}

export interface LineageWalk {
  root: LineageEntity;
  direction: 'up' | 'down';
  depth: number;
  /** Every entity reached, with its distance from the root (root at 0). */
  nodes: (LineageEntity & { depth: number })[];
  /** Edges between reached entities, as stored (src → dst). */
  edges: LineageEdge[];
}

const parse = (v: unknown): Record<string, unknown> =>
  typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : {};

export class LineageStore {
  constructor(readonly db: Db) {}

  /** Inserts an entity, or merges `attrs` into the existing one (and replaces its label when given). */
  upsertEntity(e: {
    id: string;
    kind: EntityKind;
    label: string;
    attrs?: Record<string, unknown>;
    runId?: string;
    at: string;
  }): void {
    this.db
      .prepare(
        `INSERT INTO lineage_entities (id, kind, label, attrs_json, run_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET label = excluded.label,
           attrs_json = json_patch(lineage_entities.attrs_json, excluded.attrs_json),
           run_id = COALESCE(lineage_entities.run_id, excluded.run_id), updated_at = excluded.updated_at`,
      )
      .run(e.id, e.kind, e.label, JSON.stringify(e.attrs ?? {}), e.runId ?? null, e.at, e.at);
  }

  /** Adds the entity only if it is not there yet (placeholders for things seen before they are recorded). */
  ensureEntity(e: {
    id: string;
    kind: EntityKind;
    label: string;
    attrs?: Record<string, unknown>;
    at: string;
  }) {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO lineage_entities (id, kind, label, attrs_json, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(e.id, e.kind, e.label, JSON.stringify(e.attrs ?? {}), e.at, e.at);
  }

  addEdge(e: {
    src: string;
    type: EdgeType;
    dst: string;
    attrs?: Record<string, unknown>;
    runId?: string;
    at: string;
  }) {
    if (e.src === e.dst) return;
    this.db
      .prepare(
        `INSERT OR IGNORE INTO lineage_edges (src, type, dst, attrs_json, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(e.src, e.type, e.dst, JSON.stringify(e.attrs ?? {}), e.runId ?? null, e.at);
  }

  addAlias(alias: string, entityId: string): void {
    this.db
      .prepare(
        'INSERT INTO lineage_aliases (alias, entity_id) VALUES (?, ?) ON CONFLICT(alias) DO UPDATE SET entity_id = excluded.entity_id',
      )
      .run(alias, entityId);
  }

  getEntity(id: string): LineageEntity | undefined {
    const row = this.db.prepare('SELECT * FROM lineage_entities WHERE id = ?').get(id) as Row | undefined;
    return row ? toEntity(row) : undefined;
  }

  aliasOf(alias: string): string | undefined {
    const row = this.db.prepare('SELECT entity_id FROM lineage_aliases WHERE alias = ?').get(alias) as
      | Row
      | undefined;
    return row ? String(row.entity_id) : undefined;
  }

  aliasesFor(entityId: string): string[] {
    return (
      this.db
        .prepare('SELECT alias FROM lineage_aliases WHERE entity_id = ? ORDER BY alias')
        .all(entityId) as Row[]
    ).map((r) => String(r.alias));
  }

  listEntities(opts: { kind?: EntityKind; runId?: string; limit?: number } = {}): LineageEntity[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.kind) {
      where.push('kind = ?');
      args.push(opts.kind);
    }
    if (opts.runId) {
      where.push('run_id = ?');
      args.push(opts.runId);
    }
    const sql = `SELECT * FROM lineage_entities ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id LIMIT ?`;
    return (this.db.prepare(sql).all(...args, opts.limit ?? 100) as Row[]).map(toEntity);
  }

  /** Edges leaving (`from`) or entering (`to`) an entity, optionally of one type. */
  edges(opts: { from?: string; to?: string; type?: EdgeType }): LineageEdge[] {
    const where = whereEquals({ src: opts.from, dst: opts.to, type: opts.type });
    const sql = `SELECT * FROM lineage_edges ${where.sql} ORDER BY created_at, type, dst`;
    return (this.db.prepare(sql).all(...where.args) as Row[]).map(toEdge);
  }

  /**
   * Finds an entity by id, alias (`model:churn@3`), bare key (`run-…`, `dep-…`, `churn@3`) or unique id
   * prefix. Unknown or ambiguous names get a user error that says what to try.
   */
  resolve(name: string): LineageEntity {
    const direct = this.getEntity(name) ?? this.getEntityByAlias(name);
    if (direct) return direct;
    for (const kind of ['run', 'deployment', 'model', 'dataset', 'plan', 'approval', 'alert'] as const) {
      const e = this.getEntity(`${kind}:${name}`) ?? this.getEntityByAlias(`${kind}:${name}`);
      if (e) return e;
    }
    const like = `${name.replace(/[\\%_]/g, '\\$&')}%`;
    const rows = this.db
      .prepare(
        `SELECT * FROM lineage_entities WHERE id LIKE ? ESCAPE '\\' OR substr(id, instr(id, ':') + 1) LIKE ? ESCAPE '\\'
         ORDER BY created_at DESC LIMIT 6`,
      )
      .all(like, like) as Row[];
    if (rows.length === 1) return toEntity(rows[0] as Row);
    if (rows.length > 1) {
      throw userError(
        'LINEAGE_AMBIGUOUS',
        `More than one lineage entity matches "${name}"`,
        `it matches ${rows
          .slice(0, 5)
          .map((r) => String(r.id))
          .join(', ')}${rows.length > 5 ? ', …' : ''}`,
        'Give more of the id, e.g. the full `kind:key` shown by `pipewright lineage`.',
      );
    }
    throw userError(
      'LINEAGE_NOT_FOUND',
      `No lineage entity "${name}"`,
      'nothing with that id, alias or prefix was recorded in the lineage graph of this state directory',
      'Run `pipewright lineage` to list recent entities; ids look like run-…, dataset:<hash>, model:<name>@<version>, deployment:dep-….',
    );
  }

  private getEntityByAlias(alias: string): LineageEntity | undefined {
    const id = this.aliasOf(alias);
    return id ? this.getEntity(id) : undefined;
  }

  /** Everything upstream (`up`: what it came from) or downstream (`down`: what came from it), to `depth`. */
  walk(rootId: string, direction: 'up' | 'down', depth = 64): LineageWalk {
    const root = this.resolve(rootId);
    const [from, to] = direction === 'up' ? ['src', 'dst'] : ['dst', 'src'];
    const reached = this.db
      .prepare(
        `WITH RECURSIVE walk(id, depth) AS (
         SELECT CAST(? AS TEXT), 0
         UNION
         SELECT e.${to}, w.depth + 1 FROM lineage_edges e JOIN walk w ON e.${from} = w.id WHERE w.depth < ?
       )
       SELECT n.*, d.depth FROM (SELECT id, MIN(depth) AS depth FROM walk GROUP BY id) d
         JOIN lineage_entities n ON n.id = d.id ORDER BY d.depth, n.created_at`,
      )
      .all(root.id, depth) as Row[];
    const nodes = reached.map((r) => ({ ...toEntity(r), depth: Number(r.depth) }));
    const depthOf = new Map(nodes.map((n) => [n.id, n.depth]));
    const ids = JSON.stringify(nodes.map((n) => n.id));
    const edges = (
      this.db
        .prepare(
          `SELECT * FROM lineage_edges WHERE ${from} IN (SELECT value FROM json_each(?))
           AND ${to} IN (SELECT value FROM json_each(?)) ORDER BY type, created_at`,
        )
        .all(ids, ids) as Row[]
    )
      .map(toEdge)
      .filter((e) => ((depthOf.get(direction === 'up' ? e.src : e.dst) ?? depth) as number) < depth);
    return { root, direction, depth, nodes, edges };
  }
}

function toEntity(r: Row): LineageEntity {
  const e: LineageEntity = {
    id: String(r.id),
    kind: r.kind as EntityKind,
    label: String(r.label),
    attrs: parse(r.attrs_json),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
  if (r.run_id !== null && r.run_id !== undefined) e.runId = String(r.run_id);
  return e;
}

function toEdge(r: Row): LineageEdge {
  const e: LineageEdge = {
    src: String(r.src),
    type: r.type as EdgeType,
    dst: String(r.dst),
    attrs: parse(r.attrs_json),
    createdAt: String(r.created_at),
  };
  if (r.run_id !== null && r.run_id !== undefined) e.runId = String(r.run_id);
  return e;
}
