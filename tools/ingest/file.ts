/** ingest.file: reads a CSV/TSV, JSON/NDJSON, Parquet or Arrow file from the workspace into a Parquet dataset. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isPipewrightError, userError } from '../../src/errors.ts';
import { defineTask, resolveInWorkspace, type TaskContext } from '../../src/tasks/index.ts';
import { duckMessage, materialize } from '../lib/dataset-io.ts';
import { type DuckDB, ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { DatasetProfile, profileParquet } from '../lib/profile.ts';
import { Column, DatasetRef } from '../lib/refs.ts';

export const FileFormat = z
  .enum(['csv', 'tsv', 'json', 'ndjson', 'parquet', 'arrow'])
  .describe('File format; json is an array of objects (or NDJSON), ndjson one object per line');
export type FileFormat = z.infer<typeof FileFormat>;

export const ReadOptions = z
  .object({
    delimiter: z.string().min(1).max(4).optional().describe('CSV field separator; detected when omitted'),
    header: z
      .boolean()
      .optional()
      .describe('Whether the first CSV line names the columns; detected when omitted'),
    nullValues: z.array(z.string()).optional().describe('CSV strings read as null, e.g. ["", "NA"]'),
    quote: z.string().length(1).optional().describe('CSV quote character; detected when omitted'),
  })
  .describe('Options for text formats');
export type ReadOptions = z.infer<typeof ReadOptions>;

export const SourceObject = z
  .object({
    key: z.string().describe('Object key'),
    bytes: z.number().int().describe('Object size in bytes'),
    etag: z.string().describe('ETag of the version read'),
    versionId: z.string().optional().describe('Version id, when the bucket is versioned'),
    lastModified: z.string().describe('When the object was written (ISO 8601)'),
    sha256: z.string().describe('sha256 of the bytes read'),
  })
  .describe('One source object, as read');
export type SourceObject = z.infer<typeof SourceObject>;

export const IngestOutput = z.object({
  dataset: DatasetRef.describe('The ingested rows as Parquet'),
  source: z
    .object({
      kind: z.enum(['file', 'url', 'postgres', 's3']).describe('Where the rows came from'),
      location: z
        .string()
        .describe('File path, URL, s3:// address (key, prefix or glob) or redacted connection string'),
      format: z.string().describe('Format the source was read as'),
      bytes: z.number().int().optional().describe('Size of the source file(s) in bytes'),
      objects: z
        .array(SourceObject)
        .optional()
        .describe('The exact object versions read (S3): lineage records them with the dataset'),
    })
    .describe('What was read'),
  rows: z.number().int().describe('Row count'),
  columns: z.array(Column).describe('Schema of the dataset'),
  hash: z.string().describe('sha256 of the Parquet file'),
  profile: DatasetProfile.nullable().describe('Column profile; null when the step asked for none'),
});
export type IngestOutput = z.infer<typeof IngestOutput>;

const EXTENSIONS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
};

/** The format a file name implies (".csv.gz" counts as ".csv"), or undefined. */
export function formatFromName(name: string): FileFormat | undefined {
  const base = name.toLowerCase().replace(/\.(gz|zst)$/, '');
  return EXTENSIONS[path.extname(base)];
}

function unknownFormat(name: string) {
  return userError(
    'DATA_FORMAT',
    `Cannot tell the format of "${name}"`,
    `the extension is not one of ${Object.keys(EXTENSIONS).join(', ')}`,
    `Set format to one of: ${FileFormat.options.join(', ')}.`,
  );
}

/**
 * DuckDB table function that reads `file` as `format`; several files are read as one table, columns
 * matched by name (a column missing from one file is null there).
 */
export function readerSql(
  file: string | readonly string[],
  format: FileFormat,
  opts: ReadOptions = {},
): string {
  const many = typeof file !== 'string';
  const f = many ? `[${file.map(literal).join(', ')}]` : literal(file);
  const union = many ? ', union_by_name = true' : '';
  switch (format) {
    case 'parquet':
      return `read_parquet(${f}${union})`;
    case 'json':
      return `read_json(${f}, format = 'auto'${union})`;
    case 'ndjson':
      return `read_json(${f}, format = 'newline_delimited'${union})`;
    case 'csv':
    case 'tsv': {
      const args = [f];
      if (many) args.push('union_by_name = true');
      const delim = opts.delimiter ?? (format === 'tsv' ? '\t' : undefined);
      if (delim !== undefined) args.push(`delim = ${literal(delim)}`);
      if (opts.header !== undefined) args.push(`header = ${opts.header}`);
      if (opts.quote !== undefined) args.push(`quote = ${literal(opts.quote)}`);
      if (opts.nullValues) args.push(`nullstr = [${opts.nullValues.map(literal).join(', ')}]`);
      return `read_csv(${args.join(', ')})`;
    }
    case 'arrow':
      throw new Error('Arrow files are decoded in JS first (see loadArrow)');
  }
}

/** Decodes an Arrow IPC file into a DuckDB table and returns the table name. */
async function loadArrow(db: DuckDB, file: string, ctx: Pick<TaskContext, 'scratchDir'>): Promise<string> {
  const ndjson = path.join(ctx.scratchDir, `${path.basename(file)}.ndjson`);
  // apache-arrow loads only for Arrow files (not when the catalog is listed or a plan validated).
  const { readArrowIpc } = await import('../lib/arrow-ipc.ts');
  const columns = await readArrowIpc(file, ndjson);
  const spec = columns.map((c) => `${literal(c.name)}: ${literal(c.type)}`).join(', ');
  const select = columns.map((c) => ident(c.name)).join(', ');
  await db.run(
    `CREATE TABLE arrow_input AS SELECT ${select} FROM read_json(${literal(ndjson)}, format = 'newline_delimited', columns = {${spec}})`,
  );
  return 'arrow_input';
}

export interface ReadFileInit {
  format?: FileFormat | undefined;
  options?: ReadOptions | undefined;
  name?: string | undefined;
  /** Profile every column (default true); one more pass over the data. */
  profile?: boolean | undefined;
  source: { kind: 'file' | 'url' | 'postgres' | 's3'; location: string; objects?: SourceObject[] };
}

/**
 * Reads a local file (already confined to the workspace or downloaded to scratch) into a dataset; a list
 * of files of one format is read as one table.
 */
export async function ingestLocalFile(
  ctx: TaskContext,
  fileOrFiles: string | readonly string[],
  init: ReadFileInit,
): Promise<IngestOutput> {
  const files = typeof fileOrFiles === 'string' ? [fileOrFiles] : fileOrFiles;
  const file = files[0];
  if (!file) throw userError('DATA_EMPTY', `Nothing to read at ${init.source.location}`);
  const format = init.format ?? formatFromName(file);
  if (!format) throw unknownFormat(init.source.location);
  if (format === 'arrow' && files.length > 1)
    throw userError(
      'DATA_FORMAT',
      `Cannot read ${files.length} Arrow files as one table`,
      'Arrow IPC files are read one at a time',
      'Select one Arrow file, or convert them to Parquet.',
    );
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  ctx.log.info(`reading ${init.source.location} as ${format}`, { bytes });
  return withDuckDB(async (db) => {
    let relation: string;
    try {
      relation =
        format === 'arrow'
          ? await loadArrow(db, file, ctx)
          : readerSql(files.length === 1 ? file : files, format, init.options);
      await db.columns(relation);
    } catch (e) {
      if (isPipewrightError(e)) throw e;
      throw userError(
        'DATA_UNREADABLE',
        `Could not read ${init.source.location} as ${format}`,
        duckMessage(e),
        `Check that the file is valid ${format}${init.format ? '' : ' (the format was inferred from its extension)'}, or set format/options explicitly.`,
      );
    }
    ctx.progress(0.2, 'read');
    let dataset: DatasetRef;
    try {
      dataset = await materialize(db, `SELECT * FROM ${relation}`, ctx, init.name ? { name: init.name } : {});
    } catch (e) {
      throw userError(
        'DATA_UNREADABLE',
        `Could not read all rows of ${init.source.location} as ${format}`,
        duckMessage(e),
        'The file may be truncated or have inconsistent rows; fix it or adjust the read options.',
      );
    }
    ctx.progress(0.7, 'written');
    const profile = init.profile === false ? null : await profileParquet(db, dataset.path);
    ctx.progress(1, `${dataset.rows} rows`);
    return {
      dataset,
      source: { ...init.source, format, bytes },
      rows: dataset.rows,
      columns: dataset.columns,
      hash: dataset.hash,
      profile,
    };
  });
}

export const ingestFile = defineTask({
  id: 'ingest.file',
  // The source can change under the same input (a file rewritten, new rows, a new object): always read it.
  // Downstream steps still hit the cache when the data is the same, as their key includes its hash.
  cacheable: false,
  description:
    'Read a CSV/TSV, JSON/NDJSON, Parquet or Arrow file from the workspace into a Parquet dataset, with a profile of every column.',
  input: z.object({
    path: z.string().min(1).describe('File path, relative to the workspace'),
    format: FileFormat.optional().describe('File format; inferred from the extension when omitted'),
    options: ReadOptions.optional(),
    name: z.string().optional().describe('Name to attach to the dataset, e.g. "penguins-raw"'),
    profile: z
      .boolean()
      .optional()
      .describe(
        'Profile every column (nulls, distinct, min/max/mean, histogram); default true, false skips that pass',
      ),
  }),
  output: IngestOutput,
  async run(input, ctx) {
    const file = resolveInWorkspace(ctx.workspace, input.path, 'input file');
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw userError(
        'DATA_FILE_NOT_FOUND',
        `The input file "${input.path}" does not exist`,
        `nothing at ${file}`,
        'Check the path (it is relative to the workspace) or copy the file into the workspace.',
      );
    }
    return ingestLocalFile(ctx, file, {
      format: input.format,
      options: input.options,
      name: input.name,
      profile: input.profile,
      source: { kind: 'file', location: input.path },
    });
  },
});
