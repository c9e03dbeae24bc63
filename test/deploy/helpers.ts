/**
 * Fixtures for the registry and serving tests: tiny builtin models written through the real model-folder
 * code (fit, commitModelDir), so loadModel serves them exactly as it serves trained ones.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUILTIN_ALGORITHMS } from '../../tools/lib/builtin-models.ts';
import { encodeRows, fitPreprocessing } from '../../tools/lib/features.ts';
import { BUILTIN_FILE, commitModelDir, MODEL_FORMAT, stagingDir } from '../../tools/lib/model.ts';
import type { ModelRef } from '../../tools/lib/refs.ts';

export const FEATURES = [
  { name: 'x', type: 'DOUBLE' },
  { name: 'color', type: 'VARCHAR' },
];
export const CLASSES = ['lo', 'hi'];

/**
 * A decision tree on (x, color): "hi" when x > 0.5, or the opposite when `inverted`, so two versions
 * disagree on every row and a response shows which one answered.
 */
export async function toyModel(stateDir: string, opts: { inverted?: boolean } = {}): Promise<ModelRef> {
  const rows = Array.from({ length: 40 }, (_, i) => ({ x: i / 40, color: i % 2 ? 'red' : 'blue' }));
  const labels = rows.map((r) => (r.x > 0.5 !== Boolean(opts.inverted) ? 1 : 0));
  const pre = fitPreprocessing(rows, FEATURES);
  const algo = BUILTIN_ALGORITHMS.decision_tree;
  if (!algo) throw new Error('builtin decision_tree is missing');
  const params = { minNumSamples: 2 };
  const fitted = algo.fit(encodeRows(pre, rows), labels, params, 'classification', CLASSES.length);
  const dir = await stagingDir(stateDir);
  await writeFile(path.join(dir, BUILTIN_FILE), JSON.stringify(fitted.toJSON()));
  return commitModelDir(dir, stateDir, {
    format: MODEL_FORMAT,
    framework: 'builtin',
    algorithm: 'decision_tree',
    taskType: 'classification',
    target: 'label',
    features: FEATURES,
    classes: CLASSES,
    preprocessing: pre,
    labels: 'index',
    params,
    metrics: { accuracy: opts.inverted ? 0.9 : 1 },
    files: [BUILTIN_FILE],
  });
}
