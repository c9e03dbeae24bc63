/** docs/api.md's route and error-code tables are the ones the route records make (scripts/api-doc.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOC, currentApiDoc, servedRoutes } from '../../scripts/api-doc.ts';
import { HTTP_ERRORS } from '../../src/server/error-codes.ts';

describe('docs/api.md', () => {
  it('lists every route and every error code as the code declares them', async () => {
    const doc = readFileSync(API_DOC, 'utf8');
    expect(doc, 'run `npx tsx scripts/api-doc.ts` to update docs/api.md').toBe(await currentApiDoc());
    for (const r of await servedRoutes())
      expect(doc).toContain(`| ${r.method.toUpperCase()} | \`${r.path}\` |`);
    for (const code of Object.keys(HTTP_ERRORS)) expect(doc).toContain(`\`${code}\``);
  });
});
