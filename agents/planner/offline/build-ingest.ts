/** The step that loads a source (file, URL, S3, Postgres) and the short name a source gives its datasets. */
import type { StepIn } from './build-draft.ts';
import type { SourceSpec } from './parse.ts';
import { s3IngestStep } from './s3.ts';
import { slug } from './words.ts';

export function sourceName(src: SourceSpec): string {
  if (src.kind === 'file')
    return slug(
      src.path
        .split('/')
        .pop()
        ?.replace(/\.[^.]+$/, '') ?? 'data',
      30,
    );
  if (src.kind === 'url')
    return slug(
      src.url
        .split('/')
        .pop()
        ?.replace(/\.[^.]+$/, '') || 'download',
      30,
    );
  if (src.kind === 's3') return slug(src.name, 30);
  if (src.kind === 'postgres')
    return slug(src.table ?? /\bfrom\s+["'`]?([A-Za-z_][\w.]*)/i.exec(src.query ?? '')?.[1] ?? 'query', 30);
  return 'data';
}

export function ingestStep(id: string, src: SourceSpec, inputs: Record<string, unknown>): StepIn {
  if (src.kind === 'file')
    return { id, task: 'ingest.file', with: { path: src.path, name: `${sourceName(src)}-raw` } };
  if (src.kind === 'url')
    return { id, task: 'ingest.url', with: { url: src.url, name: `${sourceName(src)}-raw` } };
  if (src.kind === 's3') return s3IngestStep(id, src.url, sourceName(src));
  if (src.kind === 'postgres') {
    // A password in the goal stays out of the plan file: it becomes a run input.
    const hasPassword = /\/\/[^/@:]+:[^/@]+@/.test(src.connection);
    if (hasPassword) {
      inputs.database_url = {
        type: 'string',
        description: 'Postgres connection string (with password); pass it at run time',
      };
    }
    const conn = hasPassword ? '${{ inputs.database_url }}' : src.connection;
    return {
      id,
      task: 'ingest.postgres',
      with: {
        connection: conn,
        ...(src.query ? { query: src.query } : src.table ? { table: src.table } : {}),
        name: `${sourceName(src)}-raw`,
      },
    };
  }
  throw new Error(`cannot ingest ${src.location}`);
}
