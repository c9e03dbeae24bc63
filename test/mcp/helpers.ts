/** A workspace with the penguins data, an engine over it, and API tokens for MCP clients. */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { onTestFinished } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { attachRecorders } from '../../src/lineage/index.ts';
import { AuthStore, RunStore } from '../../src/store/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { VEGA_DATA } from '../data/fixtures.ts';
import { testConfig, testStateTarget } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

export const GOAL = 'predict species from data/penguins.json, ask me before deploying';

export function penguinsWorkspace(): string {
  const workspace = makeWorkspace('pw-mcp-');
  mkdirSync(path.join(workspace, 'data'));
  copyFileSync(path.join(VEGA_DATA, 'penguins.json'), path.join(workspace, 'data', 'penguins.json'));
  onTestFinished(() => rmSync(workspace, { recursive: true, force: true }));
  return workspace;
}

/** An engine over a fresh workspace (closed after the test) and a token per role. */
export function mcpSetup() {
  const workspace = penguinsWorkspace();
  const config = testConfig({ workspace, user: 'test-host' });
  const store = new RunStore(testStateTarget(config.stateDir));
  const engine = new Engine({ store, registry: builtinRegistry(), config, pollMs: 50 });
  const recorders = attachRecorders(store, config);
  const auth = new AuthStore(store);
  const token = (name: string, role: 'viewer' | 'operator' | 'approver' | 'admin') =>
    auth.createToken({ name, role, createdBy: 'test' }).token;
  return { workspace, config, store, engine, recorders, token };
}

/** The JSON a tool answered (its structuredContent), failing the test on an error result. */
export async function call<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) {
    const text = (r.content as { type: string; text?: string }[])[0]?.text;
    throw new Error(`tool ${name} failed: ${text}`);
  }
  return r.structuredContent as T;
}

/** A tool's error result text (failing the test when it succeeded). */
export async function callError(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  if (!r.isError) throw new Error(`tool ${name} succeeded, expected an error`);
  return (r.content as { type: string; text?: string }[])[0]?.text ?? '';
}
