/**
 * A step's artifacts as the console browses them: the files and folders its output names (datasets, model
 * folders, reports), each previewed — a table of the first rows for Parquet/CSV/JSON datasets (DuckDB), the
 * text of small text files, the listing of a folder. Only paths a step's output names are served, and only
 * when they resolve (symlinks followed) inside the state folder's artifacts or models: a viewer can never
 * read the workspace, the database or anything else through here.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { userError } from '../errors.ts';

export interface ArtifactEntry {
  /** Where it is named in the step's output, e.g. "model.dir" or "train.path". */
  field: string;
  /** Its path relative to the state folder, e.g. "artifacts/sha256/a9/d9e8…". */
  path: string;
  kind: 'file' | 'dir';
  bytes: number;
  /** What the first bytes say it is. */
  format: ArtifactFormat;
  /** A folder's files (one level). */
  files?: { name: string; bytes: number; format: ArtifactFormat }[];
}

export type ArtifactFormat = 'parquet' | 'json' | 'csv' | 'html' | 'text' | 'binary' | 'dir';

export interface ArtifactPreview {
  path: string;
  file?: string;
  format: ArtifactFormat;
  bytes: number;
  /** Datasets: columns and the first rows. */
  table?: { columns: { name: string; type: string }[]; rows: Record<string, unknown>[]; totalRows: number };
  /** Text files: the first part. */
  text?: string;
  truncated?: boolean;
}

const TEXT_PREVIEW_BYTES = 64 * 1024;
const PREVIEW_ROWS = 50;
/** CSV and JSON files bigger than this are previewed as text: counting their rows would parse them whole. */
const TABLE_TEXT_MAX_BYTES = 256 * 1024 * 1024;
const MAX_ENTRIES = 40;
const MAX_DIR_FILES = 200;

/** The folders artifacts may be served from, realpath-resolved (those that exist). */
export function artifactRoots(stateDir: string): string[] {
  return ['artifacts', 'models']
    .map((d) => path.join(stateDir, d))
    .filter((d) => existsSync(d))
    .map((d) => realpathSync(d));
}

const inside = (roots: string[], real: string) =>
  roots.some((r) => {
    const rel = path.relative(r, real);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });

function realIfInside(roots: string[], p: string): string | undefined {
  if (!path.isAbsolute(p) || !existsSync(p)) return undefined;
  const real = realpathSync(p);
  return inside(roots, real) ? real : undefined;
}

/** Every absolute path in a step's output that lies inside the artifact roots, with its field. */
export function stepArtifacts(output: unknown, stateDir: string): ArtifactEntry[] {
  const roots = artifactRoots(stateDir);
  const base = realpathSync(stateDir);
  const out: ArtifactEntry[] = [];
  const seen = new Set<string>();
  const visit = (v: unknown, field: string, depth: number) => {
    if (out.length >= MAX_ENTRIES || depth > 8) return;
    if (typeof v === 'string') {
      const real = realIfInside(roots, v);
      if (!real || seen.has(real)) return;
      seen.add(real);
      out.push(entryOf(real, field, base));
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) visit(x, `${field}[${i}]`, depth + 1);
    } else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) visit(x, field ? `${field}.${k}` : k, depth + 1);
  };
  visit(output, '', 0);
  return out;
}

function entryOf(real: string, field: string, base: string): ArtifactEntry {
  const st = statSync(real);
  const rel = path.relative(base, real);
  if (st.isDirectory()) {
    const files = readdirSync(real, { withFileTypes: true })
      .filter((d) => d.isFile())
      .slice(0, MAX_DIR_FILES)
      .map((d) => {
        const f = path.join(real, d.name);
        return { name: d.name, bytes: statSync(f).size, format: sniffSync(f) };
      });
    return {
      field,
      path: rel,
      kind: 'dir',
      bytes: files.reduce((a, f) => a + f.bytes, 0),
      format: 'dir',
      files,
    };
  }
  return { field, path: rel, kind: 'file', bytes: st.size, format: sniffSync(real) };
}

/** Small and synchronous: listings name at most a few hundred files. */
function sniffSync(file: string): ArtifactFormat {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, 512, 0);
    return sniff(buf.subarray(0, n), file);
  } finally {
    closeSync(fd);
  }
}

/** What a file is, from its first bytes (artifacts are content-addressed: their names carry no extension). */
export function sniff(head: Buffer, name = ''): ArtifactFormat {
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  if (head.includes(0)) return 'binary';
  const start = text.trimStart();
  if (/^<!doctype html|^<html/i.test(start)) return 'html';
  if (start.startsWith('{') || start.startsWith('[') || /\.json$/i.test(name)) return 'json';
  const firstLine = start.split('\n')[0] ?? '';
  if (
    /\.csv$/i.test(name) ||
    (firstLine.includes(',') && start.split('\n').length > 1 && !/[<>{}]/.test(firstLine))
  )
    return 'csv';
  return 'text';
}

/**
 * Resolves `rel` (a path the listing gave, relative to the state folder) and, for a folder, `file` inside
 * it — refusing anything the step's output does not name.
 */
export function resolveArtifact(
  entries: ArtifactEntry[],
  stateDir: string,
  rel: string,
  file?: string,
): { real: string; entry: ArtifactEntry } {
  const entry = entries.find((e) => e.path === rel);
  const notListed = () =>
    userError(
      'ARTIFACT_NOT_FOUND',
      `The step has no artifact "${rel}${file ? `/${file}` : ''}"`,
      "only the files and folders named in the step's output can be opened",
      'Pick one from the step’s artifact list (GET /api/console/runs/:id/steps/:step).',
    );
  if (!entry) throw notListed();
  const roots = artifactRoots(stateDir);
  const base = realpathSync(stateDir);
  const target = file ? path.join(base, entry.path, file) : path.join(base, entry.path);
  if (file && (entry.kind !== 'dir' || !entry.files?.some((f) => f.name === file))) throw notListed();
  const real = realIfInside(roots, target);
  if (!real) throw notListed();
  return { real, entry };
}

/** A preview of one artifact file: rows of a dataset, text of a text file. */
export async function previewArtifact(real: string, rel: string, file?: string): Promise<ArtifactPreview> {
  const st = statSync(real);
  const fh = await open(real, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(st.size, TEXT_PREVIEW_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const format = sniff(head, file ?? '');
  const base = { path: rel, ...(file ? { file } : {}), format, bytes: st.size };
  // Parquet is read from its footer and first row groups; text formats are parsed whole, so only up to a size.
  const textTable = (format === 'csv' || (format === 'json' && !file)) && st.size <= TABLE_TEXT_MAX_BYTES;
  if (format === 'parquet' || textTable) {
    const table = await tablePreview(real, format).catch(() => undefined);
    if (table) return { ...base, table };
  }
  if (format === 'binary' || format === 'parquet') return base;
  return {
    ...base,
    text: head.toString('utf8'),
    ...(st.size > head.length ? { truncated: true } : {}),
  };
}

async function tablePreview(file: string, format: ArtifactFormat): Promise<ArtifactPreview['table']> {
  const { withDuckDB, literal } = await import('../../tools/lib/duckdb.ts');
  const reader =
    format === 'parquet' ? 'read_parquet' : format === 'csv' ? 'read_csv_auto' : 'read_json_auto';
  const relation = `${reader}(${literal(file)})`;
  return withDuckDB(async (db) => {
    const columns = await db.columns(relation);
    const rows = await db.all(`SELECT * FROM ${relation} LIMIT ${PREVIEW_ROWS}`);
    const [count] = await db.all(`SELECT COUNT(*) AS n FROM ${relation}`);
    return { columns, rows, totalRows: Number(count?.n ?? rows.length) };
  });
}

/** Output values with paths inside the state folder shown relative to it (and the workspace's to it). */
export function relativePaths(value: unknown, dirs: { stateDir: string; workspace: string }): unknown {
  const rel = (s: string) => {
    if (!path.isAbsolute(s)) return s;
    for (const [dir, prefix] of [
      [dirs.stateDir, '<state>/'],
      [dirs.workspace, ''],
    ] as const) {
      const r = path.relative(dir, s);
      if (r && !r.startsWith('..') && !path.isAbsolute(r)) return `${prefix}${r}`;
    }
    return s;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return rel(v);
    if (depth > 12) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
    return v;
  };
  return walk(value, 0);
}
