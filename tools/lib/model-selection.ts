/**
 * Seeded data splits and hyperparameter candidates. Every framework (builtin, Python, user command) gets the
 * same folds and the same candidate list from here, so a seed reproduces a search wherever it runs.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Groups row indices by label (one group for regression), each group shuffled. */
function strata(labels: readonly string[] | undefined, n: number, random: () => number): number[][] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (!labels) return [shuffled(all, random)];
  const groups = new Map<string, number[]>();
  for (const i of all) {
    const key = labels[i] as string;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  return [...groups.keys()].sort().map((k) => shuffled(groups.get(k) ?? [], random));
}

/**
 * Assigns each row to one of k folds; stratified when labels are given (each class dealt round-robin so
 * every fold gets its share). Returns the fold number per row.
 */
export function kFoldAssignment(n: number, k: number, seed: number, labels?: readonly string[]): number[] {
  const random = seededRandom(seed);
  const fold = new Array<number>(n).fill(0);
  let next = 0;
  for (const group of strata(labels, n, random)) {
    for (const i of group) {
      fold[i] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}

/** Splits row indices into train and holdout, stratified when labels are given. */
export function holdoutSplit(
  n: number,
  fraction: number,
  seed: number,
  labels?: readonly string[],
): { train: number[]; holdout: number[] } {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const train: number[] = [];
  const holdout: number[] = [];
  for (const group of strata(labels, n, random)) {
    const take = group.length > 1 ? Math.max(1, Math.round(group.length * fraction)) : 0;
    holdout.push(...group.slice(0, take));
    train.push(...group.slice(take));
  }
  return { train: train.sort((a, b) => a - b), holdout: holdout.sort((a, b) => a - b) };
}

const Range = z
  .object({
    min: z.number().describe('Lower bound'),
    max: z.number().describe('Upper bound'),
    log: z.boolean().optional().describe('Sample on a log scale (learning rates, regularisation)'),
    integer: z.boolean().optional().describe('Round to an integer'),
  })
  .describe('A numeric range (random search only)');

export const SearchSpec = z
  .object({
    method: z.enum(['grid', 'random']).default('random').describe('Grid: every combination; random: sampled'),
    space: z
      .record(z.string(), z.union([z.array(z.unknown()).min(1), Range]))
      .describe('Per hyperparameter: a list of values, or a {min,max} range (random search)'),
    trials: z.number().int().min(1).max(200).default(10).describe('Candidates to try (random search)'),
  })
  .describe('Hyperparameter search: each candidate is scored by cross-validation and the best is refit');
export type SearchSpec = z.infer<typeof SearchSpec>;

/** The candidate parameter sets, base params merged under each; one candidate (the base) without a search. */
export function searchCandidates(
  base: Record<string, unknown>,
  search: SearchSpec | undefined,
  seed: number,
): Record<string, unknown>[] {
  if (!search || Object.keys(search.space).length === 0) return [{ ...base }];
  const names = Object.keys(search.space).sort();
  if (search.method === 'grid') {
    let combos: Record<string, unknown>[] = [{}];
    for (const name of names) {
      const values = search.space[name];
      if (!Array.isArray(values)) {
        throw userError(
          'TRAIN_BAD_SEARCH',
          `Grid search cannot use the range given for "${name}"`,
          'a grid needs a list of values for every hyperparameter',
          `List the values, e.g. ${name}: [1, 2, 4], or use method: random.`,
        );
      }
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
    }
    if (combos.length > 200) {
      throw userError(
        'TRAIN_BAD_SEARCH',
        `The grid has ${combos.length} combinations`,
        'grid search is limited to 200 candidates',
        'Use fewer values, or method: random with a trials count.',
      );
    }
    return combos.map((c) => ({ ...base, ...c }));
  }
  const random = seededRandom(seed ^ 0x2545f491);
  const out: Record<string, unknown>[] = [];
  for (let t = 0; t < search.trials; t++) {
    const c: Record<string, unknown> = {};
    for (const name of names) {
      const spec = search.space[name];
      if (Array.isArray(spec)) {
        c[name] = spec[Math.floor(random() * spec.length)];
      } else if (spec) {
        const u = random();
        let v = spec.log
          ? Math.exp(Math.log(spec.min) + u * (Math.log(spec.max) - Math.log(spec.min)))
          : spec.min + u * (spec.max - spec.min);
        if (spec.integer) v = Math.round(v);
        c[name] = v;
      }
    }
    out.push({ ...base, ...c });
  }
  return out;
}
