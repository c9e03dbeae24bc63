/**
 * Recognises the values tasks pass around (tools/lib/refs.ts DatasetRef and ModelRef) by their shape, so the
 * lineage recorder needs no import from tools/: a dataset has path+hash+rows+columns, a model dir+hash+framework.
 */

export interface DatasetLike {
  path: string;
  hash: string;
  rows: number;
  columns: { name: string; type: string }[];
  name?: string;
  version?: string;
}

export interface ModelLike {
  dir: string;
  hash: string;
  framework: string;
  algorithm?: string;
  target?: string;
  params?: Record<string, unknown>;
  metrics?: Record<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function isDatasetLike(v: unknown): v is DatasetLike {
  return (
    isObject(v) &&
    typeof v.path === 'string' &&
    typeof v.hash === 'string' &&
    typeof v.rows === 'number' &&
    Array.isArray(v.columns)
  );
}

export function isModelLike(v: unknown): v is ModelLike {
  return (
    isObject(v) && typeof v.dir === 'string' && typeof v.hash === 'string' && typeof v.framework === 'string'
  );
}

export interface FoundRefs {
  datasets: DatasetLike[];
  models: ModelLike[];
}

/** Every dataset and model reference inside a value (deduplicated by hash), to a bounded depth. */
export function collectRefs(value: unknown, maxDepth = 6): FoundRefs {
  const datasets = new Map<string, DatasetLike>();
  const models = new Map<string, ModelLike>();
  const visit = (v: unknown, depth: number) => {
    if (depth > maxDepth || v === null || typeof v !== 'object') return;
    if (isDatasetLike(v)) {
      if (!datasets.has(v.hash)) datasets.set(v.hash, v);
      return;
    }
    if (isModelLike(v)) {
      if (!models.has(v.hash)) models.set(v.hash, v);
      return;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) visit(child, depth + 1);
  };
  visit(value, 0);
  return { datasets: [...datasets.values()], models: [...models.values()] };
}

/** Numeric metrics at `value.metrics`, when it is a record of numbers. */
export function metricsOf(value: unknown): Record<string, number> | undefined {
  if (!isObject(value) || !isObject(value.metrics)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value.metrics)) if (typeof v === 'number') out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

export const short = (hash: string) => hash.slice(0, 12);
export const datasetId = (hash: string) => `dataset:${short(hash)}`;
export const modelId = (hash: string) => `model:${short(hash)}`;
export const runEntityId = (runId: string) => `run:${runId}`;
export const stepEntityId = (runId: string, stepId: string) => `step:${runId}/${stepId}`;
export const approvalId = (runId: string, stepId: string) => `approval:${runId}/${stepId}`;
export const deploymentEntityId = (id: string) => `deployment:${id}`;

export function datasetLabel(d: {
  name?: string | undefined;
  version?: string | undefined;
  hash: string;
  path?: string;
}) {
  const base = d.name ?? (d.path ? (d.path.split('/').pop() ?? d.path) : 'dataset');
  return `${base}@${d.version ? d.version.slice(0, 16) : short(d.hash)}`;
}

export { isObject };
