/**
 * Registry references as people and plans write them, resolved at run time:
 *
 *   "churn"             the production alias of churn
 *   "churn@staging"     an alias
 *   "churn:3", "churn@v3", "churn@3"   a version number
 *
 * Tasks that take a model accept a ModelRef (a training step's output) or one of these strings
 * (`ModelInput`); resolveModel turns either into the ModelRef to load, plus the registry identity it came from.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../../src/config.ts';
import { PipewrightError, userError } from '../../src/errors.ts';
import { type ModelRegistry, openModelRegistry } from '../../src/store/model-registry.ts';
import { ModelRef } from './refs.ts';

const REFERENCE =
  /^([A-Za-z0-9][A-Za-z0-9._-]{0,127})(?:(?::(\d+))|(?:@v?(\d+))|(?:@([A-Za-z][A-Za-z0-9._-]{0,63})))?$/;

export const ModelReference = z
  .string()
  .regex(REFERENCE, 'expected "name", "name@alias", "name:3" or "name@v3"')
  .describe('A registered model: "name" (its production alias), "name@alias", "name:3" or "name@v3"');

export const ModelInput = z
  .union([ModelRef, ModelReference])
  .describe(
    'A ModelRef from a training step, or a registered model: "name" (production), "name@alias", "name:3"',
  );
export type ModelInput = z.infer<typeof ModelInput>;

export interface ParsedReference {
  name: string;
  /** A version number, or an alias (production when the reference names only the model). */
  selector: { version: number } | { alias: string };
}

export function parseModelReference(text: string): ParsedReference {
  const m = REFERENCE.exec(text.trim());
  if (!m) {
    throw userError(
      'MODEL_REFERENCE_INVALID',
      `"${text}" is not a model reference`,
      'a registered model is named "name", "name@alias", "name:3" or "name@v3"',
      'Write e.g. "churn" (production), "churn@staging" or "churn:3".',
    );
  }
  const [, name = '', colonVersion, atVersion, alias] = m;
  const version = colonVersion ?? atVersion;
  return {
    name,
    selector: version !== undefined ? { version: Number(version) } : { alias: alias ?? 'production' },
  };
}

export function formatReference(p: ParsedReference): string {
  return 'version' in p.selector ? `${p.name}:${p.selector.version}` : `${p.name}@${p.selector.alias}`;
}

/** Where a resolved model came from in the registry (absent for a ModelRef passed directly). */
export interface RegistryIdentity {
  name: string;
  version: number;
  /** The alias the reference named, when it named one. */
  alias?: string;
  /** The training dataset recorded with the version. */
  datasetVersion?: string;
}

export interface ResolvedModel {
  ref: ModelRef;
  registered?: RegistryIdentity;
}

/** Resolves a ModelRef or reference string; a string is looked up in the registry (opened and closed here). */
export function resolveModel(
  input: ModelInput,
  config: Pick<Config, 'stateDir' | 'databaseUrl'>,
  what = 'model',
): ResolvedModel {
  if (typeof input !== 'string') {
    checkFiles(input, what);
    return { ref: input };
  }
  const registry = openModelRegistry(config);
  try {
    return resolveInRegistry(registry, input, what);
  } finally {
    registry.close();
  }
}

export function resolveInRegistry(registry: ModelRegistry, reference: string, what = 'model'): ResolvedModel {
  const parsed = parseModelReference(reference);
  const selector = 'version' in parsed.selector ? parsed.selector.version : parsed.selector.alias;
  const record = registry.getVersion(parsed.name, selector);
  const ref = ModelRef.safeParse(record.ref);
  if (!ref.success) {
    throw userError(
      'MODEL_NOT_SCORABLE',
      `${formatReference(parsed)} (version ${record.version}) is not a model pipewright can load`,
      `its registered reference is not a trained tabular model: ${ref.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
      'Name a version trained by train.tabular or by train.command with a dataset and target.',
    );
  }
  checkFiles(ref.data, `${what} ${formatReference(parsed)} (version ${record.version})`);
  const registered: RegistryIdentity = { name: parsed.name, version: record.version };
  if ('alias' in parsed.selector) registered.alias = parsed.selector.alias;
  if (record.datasetVersion) registered.datasetVersion = record.datasetVersion;
  return { ref: ref.data, registered };
}

function checkFiles(ref: ModelRef, what: string): void {
  if (existsSync(path.join(ref.dir, 'model.json'))) return;
  throw new PipewrightError({
    code: 'MODEL_FILES_MISSING',
    category: 'user',
    retryable: false,
    what: `The files of the ${what} are gone`,
    why: `${ref.dir} has no model.json (deleted, or the state folder moved)`,
    fix: 'Retrain and register the model again, or restore the state folder.',
  });
}
