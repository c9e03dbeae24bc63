/** Fixtures for the AI task tests: a workspace of small documents, a task context that cleans up after itself. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import type { ConfigOverrides } from '../../src/config.ts';
import { testConfig } from '../helpers/state.ts';
import { makeTaskContext, makeWorkspace, type TestContext } from '../helpers/task-context.ts';

/** A tiny PDF with one page of text (Helvetica, no compression): enough for pdf.js to read back. */
export function tinyPdf(text: string, title?: string): Buffer {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
  ];
  const stream = `BT /F1 14 Tf 72 700 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`;
  objs.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  objs.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  if (title) objs.push(`<< /Title (${title}) >>`);
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R${title ? ` /Info ${objs.length} 0 R` : ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export const GUIDE_MD = `# Pipewright guide

Pipewright turns goals into pipelines.

## Install

Run npm ci, then bash scripts/demo.sh to see the demo.

\`\`\`sh
# this is a comment in a code fence, not a heading
npm ci
\`\`\`

## Approvals

Approval steps pause a run until a person decides. A decision is single-use.

### Timeouts

An approval that nobody decides times out after 24h and is rejected by default.
`;

export const CACHE_HTML = `<!doctype html><html><head><title>Caching steps</title>
<style>body { color: red }</style><script>var secret = "not text";</script></head>
<body><nav>Home | Docs</nav><h1>Step cache</h1>
<p>A step's cache key is the sha256 of its task id, version &amp; resolved input.</p>
<h2>Hits</h2><p>A hit is recorded as a succeeded step with <code>cached: true</code>.</p>
<table><tr><th>field</th><th>meaning</th></tr><tr><td>ttl</td><td>how long a hit is valid</td></tr></table>
</body></html>`;

/** Writes the sample docs/ into a workspace; returns a writer for more files. */
export function writeDocs(workspace: string): (rel: string, content: string | Buffer) => void {
  const write = (rel: string, content: string | Buffer) => {
    const f = path.join(workspace, rel);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, content);
  };
  write('docs/guide.md', GUIDE_MD);
  write('docs/web/cache.html', CACHE_HTML);
  write('docs/notes.txt', 'Release notes\n\nDrift checks compare served traffic with the training data.\n');
  write('docs/manual.pdf', tinyPdf('Workers run steps on GPU machines through BullMQ.', 'Worker manual'));
  return write;
}

export interface AiFixture {
  workspace: string;
  ctx: TestContext;
  write(rel: string, content: string | Buffer): void;
}

/** A workspace with docs/ (Markdown, HTML, text, PDF) and a task context over it; removed after the test. */
export function aiWorkspace(overrides: Partial<ConfigOverrides> = {}): AiFixture {
  const workspace = makeWorkspace('pw-ai-');
  onTestFinished(() => rmSync(workspace, { recursive: true, force: true }));
  const write = writeDocs(workspace);
  const config = testConfig({ workspace, ...overrides });
  const ctx = makeTaskContext({ workspace, config });
  return { workspace, ctx, write };
}
