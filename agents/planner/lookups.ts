/**
 * The workspace's look-ups for one planning turn: a read of the run store (registry, runs, lineage, triggers)
 * opened on demand and closed after. A workspace without a state database yet has nothing to look up: the
 * look-ups are empty and nothing is created.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../src/config.ts';
import { type WorkspaceFacts, workspaceFacts } from '../../src/lineage/resolve.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import type { IntentFrame } from './intent.ts';
import { newestDataName } from './offline/run-references.ts';
import { bindModel, datasetNamed, type Lookups, newestVersion } from './resolve.ts';

export interface OpenLookups {
  look: Lookups;
  close(): void;
}

/** Results are kept for the life of one opening: a planning turn sees one consistent state. */
function memo(facts: WorkspaceFacts, now: () => Date): Lookups {
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, fn: () => T): T => {
    if (!cache.has(key)) cache.set(key, fn());
    return cache.get(key) as T;
  };
  return {
    workspace: facts.workspace,
    now,
    models: () => once('models', () => facts.models()),
    runs: (limit?: number) => once(`runs:${limit ?? ''}`, () => facts.runs(limit)),
    datasetVersions: (name?: string) => once(`ds:${name ?? ''}`, () => facts.datasetVersions(name)),
    triggers: () => once('triggers', () => facts.triggers()),
    runPlan: (id: string) => facts.runPlan(id),
  };
}

export function emptyLookups(workspace: string, now: () => Date = () => new Date()): Lookups {
  return {
    workspace,
    now,
    models: () => [],
    runs: () => [],
    datasetVersions: () => [],
    triggers: () => [],
    runPlan: () => undefined,
  };
}

export function openLookups(
  config: Pick<Config, 'workspace' | 'stateDir' | 'databaseUrl'>,
  now: () => Date = () => new Date(),
): OpenLookups {
  if (!config.databaseUrl && !existsSync(path.join(config.stateDir, 'state.db')))
    return { look: emptyLookups(config.workspace, now), close: () => {} };
  const store = new RunStore(stateTarget(config));
  const facts = workspaceFacts(store, { workspace: config.workspace, stateDir: config.stateDir });
  return { look: memo(facts, now), close: () => store.close() };
}

/** "the newest version of the seattle-weather dataset": that dataset's newest version on disk and its file. */
export function newestNamedDataset(
  frame: IntentFrame,
  look: Lookups,
): { name: string; version: string; source: string } | undefined {
  if (!frame.refs.newestData || frame.operation !== 'pipeline') return undefined;
  const name = newestDataName(frame.goal);
  const known = name ? datasetNamed(name, look) : undefined;
  const v = known ? newestVersion(known, look) : undefined;
  return v?.source ? { name: v.name, version: v.version, source: v.source } : undefined;
}

/** "on the newest version of the seattle-weather dataset", no file named: the file that version was made from. */
export function addNewestDataSource(
  frame: IntentFrame,
  deps: { lookups?: (() => OpenLookups) | undefined; exists: (file: string) => boolean },
): void {
  if (!deps.lookups || !frame.refs.newestData) return;
  const opened = deps.lookups();
  try {
    const d = newestNamedDataset(frame, opened.look);
    if (d && deps.exists(d.source)) frame.sources.push({ kind: 'file', path: d.source });
  } finally {
    opened.close();
  }
}

/** A pipeline reading the file of a named dataset's newest version records that version as what it is based on. */
export function recordNewestData<P extends { metadata?: Record<string, unknown> | undefined }>(
  plan: P,
  frame: IntentFrame,
  look: Lookups,
  notes: string[],
): P {
  const d = newestNamedDataset(frame, look);
  const first = frame.sources[0];
  if (!d || first?.kind !== 'file' || first.path !== d.source) return plan;
  notes.push(`reads ${d.source}, the file the newest ${d.name} (${d.version}) was made from`);
  const basedOn = (plan.metadata as { basedOn?: Record<string, unknown> } | undefined)?.basedOn ?? {};
  return {
    ...plan,
    metadata: { ...plan.metadata, basedOn: { ...basedOn, dataVersions: [`${d.name}@${d.version}`] } },
  };
}

/**
 * "retrain the spend-forecaster and push it live", no data named: a model named only by a registry-style name
 * that the workspace does not have. The question is about that name (not about the data it would be trained on).
 */
export function unknownRetrainedModel(
  frame: IntentFrame,
  deps: { lookups?: (() => OpenLookups) | undefined },
): string | undefined {
  if (!deps.lookups || frame.sources.length > 0 || frame.operation !== 'pipeline' || !frame.wants.train)
    return undefined;
  if (!/\bre-?(?:train|fit)\w*|\bnew\s+version\b/i.test(frame.goal)) return undefined;
  const named = frame.refs.models.find(
    (r) => r.exactOnly && r.role !== 'scorer' && r.text.toLowerCase() !== frame.modelName?.toLowerCase(),
  );
  if (!named) return undefined;
  const opened = deps.lookups();
  try {
    const bound = bindModel(named, opened.look);
    return bound.ok ? undefined : bound.question;
  } finally {
    opened.close();
  }
}
