/**
 * Writes the route and error-code tables of docs/api.md from the server's route records:
 * `npx tsx scripts/api-doc.ts` (test/server/api-doc.test.ts fails while the file is behind the code).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { withReference } from '../src/server/api-reference.ts';
import { createApp } from '../src/server/app.ts';
import type { AnyRoute } from '../src/server/route.ts';
import { openModelRegistry } from '../src/store/index.ts';

export const API_DOC = path.resolve(import.meta.dirname, '../docs/api.md');

/** The routes `pipewright serve` registers (a throwaway state folder; triggers, Slack and MCP included). */
export async function servedRoutes(): Promise<readonly AnyRoute[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-api-doc-'));
  const config = loadConfig({ workspace }, {});
  const registry = openModelRegistry(config);
  const server = createApp({ config, registry, approvalSweepMs: 0 });
  try {
    return server.routes;
  } finally {
    await server.close();
    registry.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

/** docs/api.md as it should be. */
export async function currentApiDoc(): Promise<string> {
  return withReference(readFileSync(API_DOC, 'utf8'), await servedRoutes());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(API_DOC, await currentApiDoc());
  process.stderr.write(`wrote ${path.relative(process.cwd(), API_DOC)}\n`);
}
