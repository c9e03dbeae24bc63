/**
 * What a step reads of the run: the outputs its `when:` and `${{ }}` templates name, and ctx.upstream.
 * Both come from the run store on demand, so a step's cost depends on what it reads, not on how many steps
 * ran before it (a 10,000-step chain stays linear).
 */
import { collectRefs, parseExpression, type Step, templateExpressions } from '../plan/index.ts';
import type { RunStore, StepRecord } from '../store/index.ts';

/** Step ids a step's condition and input templates refer to (steps.<id>...). */
export function referencedSteps(step: Step): string[] {
  const ids = new Set<string>();
  const add = (src: string) => {
    try {
      for (const ref of collectRefs(parseExpression(src))) if (ref[0] === 'steps' && ref[1]) ids.add(ref[1]);
    } catch {
      // The validator reported it; evaluating it reports it again, on the step.
    }
  };
  if (step.when) add(step.when);
  if (step.kind === 'task') walkStrings(step.with, (s) => templateExpressions(s).forEach(add));
  return [...ids];
}

function walkStrings(value: unknown, fn: (s: string) => void): void {
  if (typeof value === 'string') fn(value);
  else if (Array.isArray(value)) for (const v of value) walkStrings(v, fn);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) walkStrings(v, fn);
}

/** The expression scope of one step: the steps it names (outputs and status) and the run inputs. */
export function stepScope(
  step: Step,
  inputs: Record<string, unknown>,
  read: (id: string) => StepRecord | undefined,
): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const id of referencedSteps(step)) {
    const r = read(id);
    if (r) steps[id] = { outputs: r.output ?? {}, status: r.status };
  }
  return { steps, inputs };
}

/**
 * ctx.upstream: outputs of every step upstream of this one (transitively), by id, read from the store when
 * a task looks (most never do). Enumerating it walks the dependencies once.
 */
export function lazyUpstream(
  stepId: string,
  dependsOn: (id: string) => readonly string[],
  store: RunStore,
  runId: string,
): Readonly<Record<string, unknown>> {
  let ancestors: Set<string> | undefined;
  const all = () => {
    if (ancestors) return ancestors;
    ancestors = new Set();
    const stack = [...dependsOn(stepId)];
    while (stack.length) {
      const id = stack.pop() as string;
      if (ancestors.has(id)) continue;
      ancestors.add(id);
      stack.push(...dependsOn(id));
    }
    return ancestors;
  };
  const cache = new Map<string, unknown>();
  const output = (id: string) => {
    if (!cache.has(id)) cache.set(id, store.getStep(runId, id)?.output);
    return cache.get(id);
  };
  return new Proxy({} as Record<string, unknown>, {
    get: (_t, key) => (typeof key === 'string' && all().has(key) ? output(key) : undefined),
    has: (_t, key) => typeof key === 'string' && all().has(key),
    ownKeys: () => [...all()],
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string' && all().has(key)
        ? { value: output(key), enumerable: true, configurable: true, writable: false }
        : undefined,
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/**
 * The outputs of the run's steps that finished, by step id, read from the store when looked up (`id in`
 * and `[id]`): for readers that take a whole run's outputs, such as approval evidence.
 */
export function recordedOutputs(store: RunStore, runId: string): Readonly<Record<string, unknown>> {
  const cache = new Map<string, StepRecord | undefined>();
  const read = (id: string) => {
    if (!cache.has(id)) cache.set(id, store.getStep(runId, id));
    const r = cache.get(id);
    return r && r.output !== undefined ? r : undefined;
  };
  return new Proxy({} as Record<string, unknown>, {
    get: (_t, key) => (typeof key === 'string' ? read(key)?.output : undefined),
    has: (_t, key) => typeof key === 'string' && read(key) !== undefined,
    getOwnPropertyDescriptor: (_t, key) => {
      const r = typeof key === 'string' ? read(key) : undefined;
      return r ? { value: r.output, enumerable: true, configurable: true, writable: false } : undefined;
    },
    ownKeys: () =>
      store
        .getSteps(runId)
        .filter((s) => s.output !== undefined)
        .map((s) => s.stepId),
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/** A whole-run expression scope (every recorded step's outputs and status), read on demand. */
export function lazyRunScope(
  store: RunStore,
  runId: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const cache = new Map<string, StepRecord | undefined>();
  const read = (id: string) => {
    if (!cache.has(id)) cache.set(id, store.getStep(runId, id));
    return cache.get(id);
  };
  const view = (r: StepRecord) => ({ outputs: r.output ?? {}, status: r.status });
  const steps = new Proxy({} as Record<string, unknown>, {
    get: (_t, key) => {
      const r = typeof key === 'string' ? read(key) : undefined;
      return r ? view(r) : undefined;
    },
    has: (_t, key) => typeof key === 'string' && read(key) !== undefined,
    getOwnPropertyDescriptor: (_t, key) => {
      const r = typeof key === 'string' ? read(key) : undefined;
      return r ? { value: view(r), enumerable: true, configurable: true, writable: false } : undefined;
    },
    ownKeys: () => store.getSteps(runId).map((s) => s.stepId),
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
  return { steps, inputs };
}
