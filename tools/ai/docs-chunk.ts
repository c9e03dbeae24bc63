/**
 * docs.chunk: splits a documents dataset (docs.load) into chunks: fixed windows by characters or tokens
 * with overlap, or Markdown sections by heading (the heading path kept on every chunk), each section
 * split further when it is longer than the window. A chunk's id is the hash of its document's hash and its
 * span, so an unchanged document always gives the same chunk ids and a changed one only new ids.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { requireColumns } from '../lib/dataset-io.ts';
import { DatasetRef } from '../lib/refs.ts';
import { type ColumnTypes, columnNames, readRows, str, writeRows } from './rows.ts';
import type { Section } from './split.ts';
import { approxTokens, TOKENIZER, tokenCounter } from './tokens.ts';

export const CHUNK_COLUMNS: ColumnTypes = {
  id: 'VARCHAR',
  doc_id: 'VARCHAR',
  path: 'VARCHAR',
  title: 'VARCHAR',
  heading: 'VARCHAR',
  idx: 'INTEGER',
  start: 'INTEGER',
  end: 'INTEGER',
  chars: 'INTEGER',
  tokens: 'INTEGER',
  text: 'VARCHAR',
  doc_hash: 'VARCHAR',
};

export const DocsChunkInput = z.object({
  documents: DatasetRef.describe('Documents dataset from docs.load (id, path, title, format, text, hash)'),
  strategy: z
    .enum(['headings', 'fixed'])
    .default('headings')
    .describe(
      'headings: Markdown (and HTML) documents split at headings first, heading path kept; fixed: windows only',
    ),
  unit: z
    .enum(['characters', 'tokens'])
    .default('characters')
    .describe(`What size and overlap count: characters, or tokens of the ${TOKENIZER} tokenizer`),
  size: z
    .number()
    .int()
    .positive()
    .max(100_000)
    .optional()
    .describe('Largest chunk, in units (default 1200 characters or 300 tokens)'),
  overlap: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Text shared by consecutive chunks of one section, in units (default 15% of size)'),
  maxHeadingDepth: z
    .number()
    .int()
    .min(1)
    .max(6)
    .default(3)
    .describe('Headings up to this level (1 = "#") start a new chunk'),
  minChars: z
    .number()
    .int()
    .nonnegative()
    .default(20)
    .describe('Chunks shorter than this (e.g. a lone heading) are dropped'),
  name: z.string().optional().describe('Name of the chunks dataset'),
});

export const DocsChunkOutput = z.object({
  dataset: DatasetRef.describe(
    'The chunks: id, doc_id, path, title, heading, idx, start, end, chars, tokens, text, doc_hash',
  ),
  chunks: z.number().int().describe('Chunks made'),
  documents: z.number().int().describe('Documents chunked'),
  unit: z.enum(['characters', 'tokens']).describe('What size counts'),
  size: z.number().int().describe('Largest chunk, in units'),
  overlap: z.number().int().describe('Overlap, in units'),
  tokens: z
    .object({
      tokenizer: z.string().describe(`"${TOKENIZER}", or "approx-4-chars" when counted as characters / 4`),
      total: z.number().int().describe('Tokens over all chunks'),
      max: z.number().int().describe('Tokens of the longest chunk'),
    })
    .describe('Token counts of the chunks'),
});

/**
 * Chunk id: the document's content hash and the span, hashed, with the document id (its path) so that two
 * copies of one file at different paths keep distinct chunks.
 */
export const chunkId = (docHash: string, start: number, end: number, docId = '') =>
  createHash('sha256').update(`${docHash}:${start}-${end}:${docId}`).digest('hex').slice(0, 32);

export const docsChunk = defineTask({
  id: 'docs.chunk',
  description:
    'Split documents (docs.load) into chunks by characters or tokens with overlap, or by Markdown headings (heading path kept); chunk ids are hashes of the document hash and span.',
  input: DocsChunkInput,
  output: DocsChunkOutput,
  async run(input, ctx) {
    requireColumns(['id', 'path', 'title', 'text', 'hash'], columnNames(input.documents), 'docs.chunk');
    const size = input.size ?? (input.unit === 'tokens' ? 300 : 1200);
    const overlap = input.overlap ?? Math.floor(size * 0.15);
    if (overlap >= size) {
      throw userError(
        'CHUNK_OVERLAP',
        `overlap (${overlap}) must be smaller than size (${size})`,
        'each chunk must move forward through the text',
        'Lower overlap (15% of size is a common choice) or raise size.',
      );
    }
    const len = input.unit === 'tokens' ? await tokenCounter() : undefined;
    const { markdownSections, splitSpans } = await import('./split.ts');
    const docs = await readRows(input.documents, {
      columns: ['id', 'path', 'title', 'format', 'text', 'hash'].filter((c) =>
        columnNames(input.documents).includes(c),
      ),
      what: 'documents',
    });
    const rows: Record<string, unknown>[] = [];
    let totalTokens = 0;
    let maxTokens = 0;
    for (const [n, d] of docs.entries()) {
      const text = str(d.text);
      const format = str(d.format);
      const sections: Section[] =
        input.strategy === 'headings' && (format === 'markdown' || format === 'html' || format === '')
          ? markdownSections(text, input.maxHeadingDepth)
          : [{ start: 0, end: text.length, heading: '' }];
      let idx = 0;
      for (const s of sections) {
        const spans = splitSpans(text, {
          size,
          overlap,
          start: s.start,
          end: s.end,
          ...(len ? { len } : {}),
        });
        for (const span of spans) {
          const chunk = text.slice(span.start, span.end);
          if (chunk.length < input.minChars) continue;
          const tokens = len ? len(chunk) : approxTokens(chunk);
          totalTokens += tokens;
          maxTokens = Math.max(maxTokens, tokens);
          rows.push({
            id: chunkId(str(d.hash), span.start, span.end, str(d.id)),
            doc_id: str(d.id),
            path: str(d.path),
            title: str(d.title),
            heading: s.heading,
            idx: idx++,
            start: span.start,
            end: span.end,
            chars: chunk.length,
            tokens,
            text: chunk,
            doc_hash: str(d.hash),
          });
        }
      }
      if (n % 100 === 0) ctx.progress(n / docs.length, str(d.path));
    }
    if (rows.length === 0) {
      throw userError(
        'CHUNK_EMPTY',
        'No chunks were made',
        `every chunk of the ${docs.length} documents was shorter than minChars (${input.minChars})`,
        'Lower minChars, or check that the documents have text.',
      );
    }
    const dataset = await writeRows(rows, CHUNK_COLUMNS, ctx, {
      orderBy: ['path', 'idx'],
      ...(input.name ? { name: input.name } : {}),
    });
    ctx.log.info(`${rows.length} chunks from ${docs.length} documents`, { size, overlap, unit: input.unit });
    return {
      dataset,
      chunks: rows.length,
      documents: docs.length,
      unit: input.unit,
      size,
      overlap,
      tokens: {
        tokenizer: input.unit === 'tokens' ? TOKENIZER : 'approx-4-chars',
        total: totalTokens,
        max: maxTokens,
      },
    };
  },
});
