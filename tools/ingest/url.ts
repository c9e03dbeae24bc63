/**
 * ingest.url: downloads a data file over http(s), with a size limit and a timeout, then reads it like
 * ingest.file. Loopback, link-local and private addresses are refused (after DNS, at every redirect) unless
 * the policy's egress.allowHosts names them.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isPipewrightError, PipewrightError, userError } from '../../src/errors.ts';
import { parseDuration } from '../../src/plan/index.ts';
import { guardedFetch, loadPolicy, withDeadline } from '../../src/policy/index.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { FileFormat, formatFromName, IngestOutput, ingestLocalFile, ReadOptions } from './file.ts';

const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;

const CONTENT_TYPES: Record<string, FileFormat> = {
  'text/csv': 'csv',
  'text/tab-separated-values': 'tsv',
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
  'application/vnd.apache.arrow.file': 'arrow',
  'application/vnd.apache.arrow.stream': 'arrow',
};

/** The URL with any user:password removed, for logs and errors. */
export function redactUrl(url: URL): string {
  const u = new URL(url.href);
  if (u.username || u.password) {
    u.username = u.username ? '***' : '';
    u.password = '';
  }
  return u.href;
}

/** Removes the URL's password from a message. */
function scrub(message: string, url: URL): string {
  const secrets = [url.password, decodeURIComponent(url.password)].filter((p) => p.length > 0);
  return secrets.reduce((m, p) => m.split(p).join('***'), message);
}

function httpError(status: number, statusText: string, shown: string) {
  const what = `Downloading ${shown} failed with HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status >= 500 || status === 429) {
    return new PipewrightError({
      code: 'DATA_HTTP',
      category: 'third-party',
      what,
      why: 'the server had a problem or is rate-limiting',
      fix: 'Retry later, or check the server.',
      retryable: true,
      details: { status },
    });
  }
  return userError(
    'DATA_HTTP',
    what,
    status === 404 ? 'there is nothing at that address' : 'the server refused the request',
    status === 401 || status === 403
      ? 'Check that the URL is public or includes the access it needs.'
      : 'Check the URL.',
    { status },
  );
}

function tooLarge(shown: string, limit: number, seen: number) {
  return userError(
    'DATA_TOO_LARGE',
    `The download from ${shown} is larger than the limit of ${limit} bytes`,
    `at least ${seen} bytes`,
    'Raise maxBytes if the file is expected to be this large, or download a smaller extract.',
    { limit, bytes: seen },
  );
}

export const ingestUrl = defineTask({
  id: 'ingest.url',
  // The source can change under the same input (a file rewritten, new rows, a new object): always read it.
  // Downstream steps still hit the cache when the data is the same, as their key includes its hash.
  cacheable: false,
  description:
    'Download a CSV/TSV, JSON/NDJSON, Parquet or Arrow file over http(s) and read it into a Parquet dataset with a column profile.',
  input: z.object({
    url: z.url({ protocol: /^https?$/ }).describe('http(s) address of the file'),
    format: FileFormat.optional().describe('File format; inferred from the URL or Content-Type when omitted'),
    options: ReadOptions.optional(),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_MAX_BYTES)
      .describe('Largest download accepted, in bytes (default 200 MB)'),
    timeout: z
      .union([z.string(), z.number()])
      .default('5m')
      .describe('Longest time the download may take, e.g. "30s", "5m", or milliseconds'),
    headers: z.record(z.string(), z.string()).optional().describe('Extra request headers, e.g. Accept'),
    name: z.string().optional().describe('Name to attach to the dataset'),
  }),
  output: IngestOutput,
  async run(input, ctx) {
    const url = new URL(input.url);
    const shown = redactUrl(url);
    const timeoutMs = parseDuration(input.timeout);
    if (timeoutMs === undefined) {
      throw userError(
        'DATA_INPUT',
        `timeout "${input.timeout}" is not a duration`,
        undefined,
        'Write it like "30s", "5m" or "1h".',
      );
    }
    const deadline = withDeadline(ctx.signal, timeoutMs);
    const { signal } = deadline;
    const fileName = path.basename(url.pathname) || 'download';
    const file = path.join(ctx.scratchDir, `download-${Date.now()}-${fileName.replace(/[^\w.-]/g, '_')}`);
    ctx.log.info(`downloading ${shown}`, { maxBytes: input.maxBytes, timeoutMs });

    let format = input.format ?? formatFromName(url.pathname);
    let bytes = 0;
    try {
      // fetch refuses URLs with user:password; send them as Basic auth instead.
      const headers: Record<string, string> = { ...input.headers };
      const target = new URL(url.href);
      if (target.username || target.password) {
        const user = decodeURIComponent(target.username);
        const pass = decodeURIComponent(target.password);
        headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
        target.username = '';
        target.password = '';
      }
      // Never the host itself or its private network, unless the policy allows the host (src/policy/egress.ts).
      const res = await guardedFetch(
        target,
        { signal, headers },
        loadPolicy(ctx.config).egress.allowHosts,
        (u) => redactUrl(u),
      );
      if (!res.ok) throw httpError(res.status, res.statusText, shown);
      const declared = Number(res.headers.get('content-length') ?? Number.NaN);
      if (declared > input.maxBytes) throw tooLarge(shown, input.maxBytes, declared);
      if (!format) {
        const ct = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        format = CONTENT_TYPES[ct];
      }
      if (!res.body) throw httpError(res.status, 'empty body', shown);
      const sink = createWriteStream(file);
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          bytes += chunk.byteLength;
          if (bytes > input.maxBytes) throw tooLarge(shown, input.maxBytes, bytes);
          if (!sink.write(chunk)) await once(sink, 'drain');
          if (Number.isFinite(declared) && declared > 0)
            ctx.progress(0.5 * (bytes / declared), 'downloading');
        }
      } finally {
        sink.end();
        await once(sink, 'close');
      }
    } catch (e) {
      if (isPipewrightError(e)) throw e;
      if (deadline.timedOut() && !ctx.signal.aborted) {
        throw new PipewrightError({
          code: 'DATA_TIMEOUT',
          category: 'third-party',
          what: `Downloading ${shown} took longer than ${input.timeout}`,
          why: `${bytes} bytes arrived before the timeout`,
          fix: 'Raise timeout, or check that the server is reachable and responsive.',
          retryable: true,
        });
      }
      if (ctx.signal.aborted) throw e;
      throw new PipewrightError({
        code: 'DATA_HTTP',
        category: 'third-party',
        what: `Could not download ${shown}`,
        why: scrub(
          e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e),
          url,
        ),
        fix: 'Check the address and that the server is reachable from this machine.',
        retryable: true,
      });
    } finally {
      deadline.clear();
    }
    if (!format) {
      throw userError(
        'DATA_FORMAT',
        `Cannot tell the format of ${shown}`,
        'neither the URL path nor the Content-Type names a known format',
        `Set format to one of: ${FileFormat.options.join(', ')}.`,
      );
    }
    ctx.log.info(`downloaded ${bytes} bytes`);
    try {
      return await ingestLocalFile(ctx, file, {
        format,
        options: input.options,
        name: input.name,
        source: { kind: 'url', location: shown },
      });
    } finally {
      await rm(file, { force: true });
    }
  },
});
