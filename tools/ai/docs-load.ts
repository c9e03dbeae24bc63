/**
 * docs.load: reads a folder, a glob or one file of text, Markdown, HTML and PDF documents from the
 * workspace into a Parquet dataset of documents (id, path, title, format, text, hash, bytes, chars), one row
 * per document, ordered by path. Every path is realpath-resolved and confined to the workspace (symlinks
 * that lead out are skipped and reported); file count, file size and total size are bounded.
 *
 * Not cacheable: it reads the file system, so it runs every time; its output is byte-identical when no
 * document changed, so the steps after it (chunking, embedding) hit their caches.
 */
import { createHash } from 'node:crypto';
import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { z } from 'zod';
import { isPipewrightError, userError } from '../../src/errors.ts';
import { defineTask, isWithin, resolveInWorkspace } from '../../src/tasks/index.ts';
import { DatasetRef } from '../lib/refs.ts';
import { type DocFormat, formatOf } from './formats.ts';
import { type ColumnTypes, writeRows } from './rows.ts';

export const DOCUMENT_COLUMNS: ColumnTypes = {
  id: 'VARCHAR',
  path: 'VARCHAR',
  title: 'VARCHAR',
  format: 'VARCHAR',
  text: 'VARCHAR',
  hash: 'VARCHAR',
  bytes: 'BIGINT',
  chars: 'BIGINT',
};

const DEFAULT_EXCLUDE = ['**/node_modules/**', '**/.git/**', '**/.pipewright/**', '**/.demo/**'];

export const DocsLoadInput = z.object({
  path: z
    .string()
    .min(1)
    .describe('A folder, a glob (e.g. "docs/**/*.md") or one file, relative to the workspace'),
  formats: z
    .array(z.enum(['markdown', 'text', 'html', 'pdf']))
    .default(['markdown', 'text', 'html', 'pdf'])
    .describe('Document formats to read (by extension: .md/.markdown/.mdx, .txt/.rst, .html/.htm, .pdf)'),
  exclude: z
    .array(z.string())
    .default(DEFAULT_EXCLUDE)
    .describe('Globs of workspace-relative paths to leave out'),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/i)
    .optional()
    .describe('Name of the documents dataset, e.g. "project-docs"'),
  maxFiles: z.number().int().positive().max(100_000).default(10_000).describe('Most documents read'),
  maxFileBytes: z
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024)
    .describe('Larger files are skipped (and listed in skipped)'),
  maxTotalBytes: z
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024)
    .describe('The documents read may add up to this many bytes; more is an error'),
});

export const Skipped = z.object({
  path: z.string().describe('Workspace-relative path'),
  reason: z.string().describe('Why it was left out'),
});

export const DocsLoadOutput = z.object({
  dataset: DatasetRef.describe('The documents: id, path, title, format, text, hash (sha256), bytes, chars'),
  documents: z.number().int().describe('Documents read'),
  bytes: z.number().int().describe('Bytes read'),
  formats: z.record(z.string(), z.number().int()).describe('Documents per format'),
  skipped: z.array(Skipped).describe('Files left out and why (at most 100 listed)'),
  skippedCount: z.number().int().describe('How many files were left out'),
});
export type DocsLoadOutput = z.infer<typeof DocsLoadOutput>;

interface Found {
  abs: string;
  rel: string;
  format: DocFormat;
}

/** Stable id of a document: its workspace-relative path, hashed (so ids are short and URL-safe). */
export const documentId = (rel: string) => createHash('sha256').update(rel).digest('hex').slice(0, 16);

/**
 * The files a docs.load input names: a file, every matching file under a folder, or every file matching a
 * glob (under the glob's static base). Symlinks are followed only when they stay in the workspace.
 */
export function findDocuments(
  workspace: string,
  input: Pick<z.output<typeof DocsLoadInput>, 'path' | 'formats' | 'exclude' | 'maxFiles'>,
): { found: Found[]; skipped: z.infer<typeof Skipped>[] } {
  const root = realpathSync(workspace);
  const scan = picomatch.scan(input.path);
  const glob = scan.isGlob ? picomatch(input.path, { dot: false }) : undefined;
  const base = resolveInWorkspace(root, scan.isGlob ? scan.base || '.' : input.path, 'documents path');
  const exclude = picomatch(input.exclude, { dot: true });
  const wanted = new Set(input.formats);
  const found: Found[] = [];
  const skipped: z.infer<typeof Skipped>[] = [];
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(base);
  } catch {
    throw userError(
      'DOCS_NOT_FOUND',
      `"${input.path}" does not exist`,
      `nothing at ${base}`,
      'Give a folder, a glob (docs/**/*.md) or a file inside the workspace.',
    );
  }
  const consider = (abs: string) => {
    const r = rel(abs);
    if (exclude(r)) return;
    if (glob && !glob(r)) return;
    const format = formatOf(abs);
    if (!format) return;
    if (!wanted.has(format)) return;
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      skipped.push({ path: r, reason: 'broken link' });
      return;
    }
    if (!isWithin(root, real)) {
      skipped.push({ path: r, reason: 'a link that leads outside the workspace' });
      return;
    }
    if (found.length >= input.maxFiles) {
      throw userError(
        'DOCS_TOO_MANY',
        `"${input.path}" holds more than ${input.maxFiles} documents`,
        'docs.load reads at most maxFiles documents in one step',
        'Narrow the path or glob, add exclude globs, or raise maxFiles.',
      );
    }
    found.push({ abs: real, rel: r, format });
  };
  if (st.isFile()) consider(base);
  else {
    const walk = (dir: string) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        skipped.push({ path: rel(dir), reason: 'folder not readable' });
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const abs = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!exclude(`${rel(abs)}/`) && !exclude(`${rel(abs)}/x`)) walk(abs);
        } else if (e.isFile() || e.isSymbolicLink()) consider(abs);
      }
    };
    walk(base);
  }
  // The same file reached twice (a link beside its target) is read once.
  const seen = new Set<string>();
  const unique = found.filter((f) => {
    if (seen.has(f.abs)) return false;
    seen.add(f.abs);
    return true;
  });
  return { found: unique, skipped };
}

export const docsLoad = defineTask({
  id: 'docs.load',
  description:
    'Load text, Markdown, HTML and PDF documents from a workspace folder, glob or file into a documents dataset (id, path, title, text, sha256 hash, bytes), for chunking and indexing.',
  input: DocsLoadInput,
  output: DocsLoadOutput,
  cacheable: false,
  async run(input, ctx) {
    const { found, skipped } = findDocuments(ctx.workspace, input);
    // The parsers (htmlparser2, pdf.js) load only when documents are read.
    const { extractText } = await import('./extract.ts');
    const rows: Record<string, unknown>[] = [];
    const formats: Record<string, number> = {};
    let total = 0;
    for (const [i, f] of found.entries()) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const size = statSync(f.abs).size;
      if (size > input.maxFileBytes) {
        skipped.push({ path: f.rel, reason: `${size} bytes, over maxFileBytes (${input.maxFileBytes})` });
        continue;
      }
      total += size;
      if (total > input.maxTotalBytes) {
        throw userError(
          'DOCS_TOO_LARGE',
          `The documents under "${input.path}" add up to more than ${input.maxTotalBytes} bytes`,
          `reached at ${f.rel}`,
          'Narrow the path or glob, or raise maxTotalBytes.',
        );
      }
      const bytes = await readFile(f.abs);
      if (f.format !== 'pdf' && bytes.includes(0)) {
        skipped.push({ path: f.rel, reason: 'binary content (NUL bytes) in a text file' });
        continue;
      }
      let text: string;
      let title: string;
      try {
        ({ text, title } = await extractText(bytes, f.format));
      } catch (e) {
        if (isPipewrightError(e)) throw e;
        skipped.push({
          path: f.rel,
          reason: `unreadable ${f.format}: ${(e as Error).message.split('\n')[0]}`,
        });
        continue;
      }
      if (!text.trim()) {
        skipped.push({ path: f.rel, reason: 'no text' });
        continue;
      }
      formats[f.format] = (formats[f.format] ?? 0) + 1;
      rows.push({
        id: documentId(f.rel),
        path: f.rel,
        title: title || path.basename(f.rel),
        format: f.format,
        text,
        hash: createHash('sha256').update(bytes).digest('hex'),
        bytes: size,
        chars: text.length,
      });
      if (i % 50 === 0) ctx.progress((i + 1) / (found.length + 1), f.rel);
    }
    if (rows.length === 0) {
      throw userError(
        'DOCS_EMPTY',
        `No documents with text under "${input.path}"`,
        found.length
          ? `${found.length} file(s) found, all skipped (${skipped[0]?.reason ?? ''})`
          : `no file with a ${input.formats.join('/')} extension matched`,
        'Point path at a folder or glob of .md, .txt, .html or .pdf files inside the workspace.',
      );
    }
    const dataset = await writeRows(rows, DOCUMENT_COLUMNS, ctx, {
      orderBy: ['path'],
      ...(input.name ? { name: input.name } : {}),
    });
    ctx.log.info(`loaded ${rows.length} documents (${total} bytes)`, { formats, skipped: skipped.length });
    ctx.progress(1, `${rows.length} documents`);
    return {
      dataset,
      documents: rows.length,
      bytes: rows.reduce((a, r) => a + (r.bytes as number), 0),
      formats,
      skipped: skipped.slice(0, 100),
      skippedCount: skipped.length,
    };
  },
});
