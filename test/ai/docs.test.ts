import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { docsChunk } from '../../tools/ai/docs-chunk.ts';
import { docsLoad } from '../../tools/ai/docs-load.ts';
import { htmlToText, markdownTitle } from '../../tools/ai/extract.ts';
import { readRows } from '../../tools/ai/rows.ts';
import { markdownSections, splitSpans } from '../../tools/ai/split.ts';
import { tokenCounter } from '../../tools/ai/tokens.ts';
import { aiWorkspace, CACHE_HTML, GUIDE_MD } from './helpers.ts';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('text extraction', () => {
  it('HTML: drops scripts and styles, decodes entities, keeps headings as Markdown and cells apart', () => {
    const { text, title } = htmlToText(CACHE_HTML);
    expect(title).toBe('Caching steps');
    expect(text).not.toContain('not text');
    expect(text).not.toContain('color: red');
    expect(text).toContain('# Step cache');
    expect(text).toContain('## Hits');
    expect(text).toContain('task id, version & resolved input');
    expect(text).toContain('ttl | how long a hit is valid');
    expect(text).not.toContain('Caching steps'); // the <title> is the title, not body text
  });

  it('Markdown titles: front matter first, else the first heading outside code fences', () => {
    expect(markdownTitle('---\ntitle: "From front"\n---\n# Heading')).toBe('From front');
    expect(markdownTitle('```\n# not this\n```\n\n## Real one ##\n')).toBe('Real one');
    expect(markdownTitle('no heading at all')).toBe('');
  });
});

describe('splitting', () => {
  const text = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} says something useful.`).join(' ');

  it('chunks cover the text within the size, overlap consecutive chunks, and break at sentences', () => {
    const spans = splitSpans(text, { size: 200, overlap: 50 });
    expect(spans.length).toBeGreaterThan(5);
    for (const s of spans) expect(s.end - s.start).toBeLessThanOrEqual(200);
    expect(spans[0]?.start).toBe(0);
    expect(spans.at(-1)?.end).toBe(text.length);
    for (let i = 1; i < spans.length; i++) {
      const prev = spans[i - 1] as { start: number; end: number };
      const cur = spans[i] as { start: number; end: number };
      expect(cur.start).toBeLessThan(prev.end); // overlap
      expect(cur.start).toBeGreaterThan(prev.start); // progress
      expect(prev.end - cur.start).toBeLessThanOrEqual(50);
      expect(text[cur.start - 1]).toBe(' '); // a word boundary, after a sentence
      expect(text.slice(prev.end - 1, prev.end)).toBe('.');
    }
  });

  it('never repeats a span when a piece longer than the overlap follows (a long base64 badge)', () => {
    const badge = `<img alt="NPM Release" src="data:${'A'.repeat(1500)}"> and then the text goes on here.`;
    const spans = splitSpans(badge, { size: 200, overlap: 30 });
    const keys = spans.map((s) => `${s.start}-${s.end}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (let i = 1; i < spans.length; i++)
      expect((spans[i] as { end: number }).end).toBeGreaterThan((spans[i - 1] as { end: number }).end);
    expect(spans.at(-1)?.end).toBe(badge.length);
  });

  it('cuts words that are longer than a chunk, and measures in tokens when asked', async () => {
    const long = 'x'.repeat(250);
    expect(splitSpans(long, { size: 100, overlap: 0 }).map((s) => s.end - s.start)).toEqual([100, 100, 50]);
    const count = await tokenCounter();
    const spans = splitSpans(text, { size: 40, overlap: 8, len: count });
    for (const s of spans) expect(count(text.slice(s.start, s.end))).toBeLessThanOrEqual(40);
    expect(count('hello world')).toBe(2);
    expect(count('<|endoftext|>')).toBeGreaterThan(1); // special-token text counted as text, not refused
  });

  it('Markdown sections follow headings (not "#" in code fences) and keep the heading path', () => {
    const sections = markdownSections(GUIDE_MD, 3);
    expect(sections.map((s) => s.heading)).toEqual([
      'Pipewright guide',
      'Pipewright guide > Install',
      'Pipewright guide > Approvals',
      'Pipewright guide > Approvals > Timeouts',
    ]);
    expect(GUIDE_MD.slice(sections[1]?.start, sections[1]?.end)).toContain('# this is a comment');
    expect(sections.at(-1)?.end).toBe(GUIDE_MD.length);
    expect(markdownSections(GUIDE_MD, 2).map((s) => s.heading)).toHaveLength(3);
  });
});

describe('docs.load', () => {
  it('reads Markdown, HTML, text and PDF with titles and sha256 hashes, ordered by path', async () => {
    const { ctx } = aiWorkspace();
    const out = await docsLoad.run(docsLoad.input.parse({ path: 'docs', name: 'project-docs' }), ctx);
    expect(out.documents).toBe(4);
    expect(out.formats).toEqual({ markdown: 1, html: 1, text: 1, pdf: 1 });
    expect(out.dataset.name).toBe('project-docs');
    const rows = await readRows(out.dataset);
    expect(rows.map((r) => r.path)).toEqual([
      'docs/guide.md',
      'docs/manual.pdf',
      'docs/notes.txt',
      'docs/web/cache.html',
    ]);
    const guide = rows[0] as Record<string, unknown>;
    expect(guide.title).toBe('Pipewright guide');
    expect(guide.hash).toBe(sha(GUIDE_MD));
    expect(Number(guide.bytes)).toBe(Buffer.byteLength(GUIDE_MD));
    const pdf = rows[1] as Record<string, unknown>;
    expect(pdf.title).toBe('Worker manual');
    expect(pdf.text).toContain('Workers run steps on GPU machines through BullMQ.');
    expect(rows[3]?.title).toBe('Caching steps');
    expect(new Set(rows.map((r) => r.id)).size).toBe(4);
  });

  it('the same files give the same dataset bytes (so the steps after it hit their caches)', async () => {
    const { ctx } = aiWorkspace();
    const a = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
    const b = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
    expect(b.dataset.hash).toBe(a.dataset.hash);
  });

  it('takes globs and formats, and skips what it cannot or may not read, saying why', async () => {
    const { ctx, write, workspace } = aiWorkspace();
    write('docs/big.md', `# Big\n\n${'word '.repeat(400)}`);
    write('docs/binary.txt', Buffer.from([104, 105, 0, 1, 2]));
    write('docs/node_modules/dep/readme.md', '# vendored');
    const outside = path.join(tmpdir(), `pw-outside-${process.pid}.md`);
    writeFileSync(outside, '# secret outside the workspace');
    onTestFinished(() => rmSync(outside, { force: true }));
    symlinkSync(outside, path.join(workspace, 'docs', 'escape.md'));
    const md = await docsLoad.run(docsLoad.input.parse({ path: 'docs/**/*.md', maxFileBytes: 1000 }), ctx);
    expect((await readRows(md.dataset)).map((r) => r.path)).toEqual(['docs/guide.md']);
    expect(md.skipped).toEqual(
      expect.arrayContaining([
        { path: 'docs/escape.md', reason: 'a link that leads outside the workspace' },
        { path: 'docs/big.md', reason: expect.stringContaining('over maxFileBytes') },
      ]),
    );
    const txt = await docsLoad.run(docsLoad.input.parse({ path: 'docs', formats: ['text'] }), ctx);
    expect(txt.documents).toBe(1);
    expect(txt.skipped).toContainEqual({
      path: 'docs/binary.txt',
      reason: expect.stringContaining('binary'),
    });
  });

  it('refuses paths outside the workspace, empty folders and too many bytes with clear errors', async () => {
    const { ctx, workspace } = aiWorkspace();
    await expect(docsLoad.run(docsLoad.input.parse({ path: '../..' }), ctx)).rejects.toMatchObject({
      code: 'PATH_OUTSIDE_WORKSPACE',
    });
    mkdirSync(path.join(workspace, 'empty'));
    await expect(docsLoad.run(docsLoad.input.parse({ path: 'empty' }), ctx)).rejects.toMatchObject({
      code: 'DOCS_EMPTY',
    });
    await expect(docsLoad.run(docsLoad.input.parse({ path: 'nope' }), ctx)).rejects.toMatchObject({
      code: 'DOCS_NOT_FOUND',
    });
    await expect(
      docsLoad.run(docsLoad.input.parse({ path: 'docs', maxTotalBytes: 100 }), ctx),
    ).rejects.toMatchObject({ code: 'DOCS_TOO_LARGE', fix: expect.stringContaining('maxTotalBytes') });
    await expect(
      docsLoad.run(docsLoad.input.parse({ path: 'docs', maxFiles: 2 }), ctx),
    ).rejects.toMatchObject({
      code: 'DOCS_TOO_MANY',
    });
  });
});

describe('docs.chunk', () => {
  it('splits Markdown by headings with heading paths, and ids from the document hash and span', async () => {
    const { ctx } = aiWorkspace();
    const docs = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
    const out = await docsChunk.run(docsChunk.input.parse({ documents: docs.dataset, size: 400 }), ctx);
    const rows = await readRows(out.dataset);
    expect(out.chunks).toBe(rows.length);
    const guide = rows.filter((r) => r.path === 'docs/guide.md');
    expect(guide.map((r) => r.heading)).toEqual([
      'Pipewright guide',
      'Pipewright guide > Install',
      'Pipewright guide > Approvals',
      'Pipewright guide > Approvals > Timeouts',
    ]);
    for (const r of rows) {
      const doc = (await readRows(docs.dataset)).find((d) => d.path === r.path) as Record<string, unknown>;
      expect(String(doc.text).slice(Number(r.start), Number(r.end))).toBe(r.text);
      expect(r.id).toBe(sha(`${doc.hash}:${r.start}-${r.end}:${doc.id}`).slice(0, 32));
    }
    const html = rows.filter((r) => r.path === 'docs/web/cache.html');
    expect(html.map((r) => r.heading)).toEqual(['Step cache', 'Step cache > Hits']);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it('fixed token windows stay within the size, and a changed document changes only its chunk ids', async () => {
    const { ctx, write } = aiWorkspace();
    write(
      'docs/long.md',
      Array.from({ length: 60 }, (_, i) => `Paragraph ${i} about retrieval.`).join('\n\n'),
    );
    const docs = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
    const opts = { strategy: 'fixed', unit: 'tokens', size: 40, overlap: 8 };
    const a = await docsChunk.run(docsChunk.input.parse({ documents: docs.dataset, ...opts }), ctx);
    expect(a.tokens.tokenizer).toBe('cl100k_base');
    expect(a.tokens.max).toBeLessThanOrEqual(40);
    write('docs/notes.txt', 'Release notes\n\nDrift checks now also watch search queries.\n');
    const docs2 = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
    const b = await docsChunk.run(docsChunk.input.parse({ documents: docs2.dataset, ...opts }), ctx);
    const ra = await readRows(a.dataset);
    const rb = await readRows(b.dataset);
    const idsA = new Set(ra.map((r) => r.id));
    const changed = rb.filter((r) => !idsA.has(r.id));
    expect(changed.length).toBeGreaterThan(0);
    expect(new Set(changed.map((r) => r.path))).toEqual(new Set(['docs/notes.txt']));
    expect(ra.filter((r) => r.path !== 'docs/notes.txt').map((r) => r.id)).toEqual(
      rb.filter((r) => r.path !== 'docs/notes.txt').map((r) => r.id),
    );
  });

  it('refuses an overlap that does not move forward', async () => {
    const { ctx } = aiWorkspace();
    const docs = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
    await expect(
      docsChunk.run(docsChunk.input.parse({ documents: docs.dataset, size: 100, overlap: 100 }), ctx),
    ).rejects.toMatchObject({ code: 'CHUNK_OVERLAP' });
  });
});
