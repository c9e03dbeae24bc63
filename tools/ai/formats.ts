/** Document formats by file extension (kept apart from the extractors, which load parsers). */
import path from 'node:path';

export type DocFormat = 'markdown' | 'text' | 'html' | 'pdf';

const FORMATS: Record<string, DocFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.rst': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.pdf': 'pdf',
};

export const DOC_EXTENSIONS = Object.keys(FORMATS);

export function formatOf(file: string): DocFormat | undefined {
  return FORMATS[path.extname(file).toLowerCase()];
}
