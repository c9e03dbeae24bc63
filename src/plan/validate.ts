/**
 * Whole-plan validation: every problem at once, each with its path, e.g.
 *   steps[3].dependsOn[0]: unknown step "tain" (did you mean "train"?)
 */
import type { z } from 'zod';
import { userError } from '../errors.ts';
import { collectRefs, ExpressionError, parseExpression, templateExpressions } from './expression.ts';
import { Plan, Step } from './schema.ts';

export interface Problem {
  path: string;
  message: string;
}

/** What the validator needs to know about a task; src/tasks provides it (src/plan imports nothing). */
export interface TaskInfo {
  input: z.ZodType;
  output: z.ZodType;
  needsApproval?: boolean;
}
export interface TaskLookup {
  get(id: string): TaskInfo | undefined;
  ids(): string[];
}

export type ValidationResult = { ok: true; plan: Plan; problems: [] } | { ok: false; problems: Problem[] };

const APPROVAL_OUTPUTS = ['approved', 'by', 'comment'];

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = levenshtein(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

const hint = (word: string, candidates: Iterable<string>) => {
  const c = closest(word, candidates);
  return c ? ` (did you mean "${c}"?)` : '';
};

type RawStep = {
  id?: unknown;
  dependsOn?: unknown;
  task?: unknown;
  kind?: unknown;
  with?: unknown;
  when?: unknown;
};

export function validatePlan(raw: unknown, tasks?: TaskLookup): ValidationResult {
  const problems: Problem[] = [];
  const parsed = Plan.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ path: formatPath(issue.path), message: issueMessage(issue) });
    }
  }
  const rawSteps: RawStep[] = Array.isArray((raw as { steps?: unknown })?.steps)
    ? ((raw as { steps: unknown[] }).steps.filter((s) => s && typeof s === 'object') as RawStep[])
    : [];
  const plan = parsed.success ? parsed.data : undefined;
  const steps: RawStep[] = plan ? plan.steps : rawSteps;
  checkGraph(steps, problems);
  if (plan) checkSemantics(plan, tasks, problems);
  else {
    // The steps that parse are checked all the same: one pass reports every problem.
    const partial = partialPlan(raw);
    if (partial) checkSemantics(partial.plan, tasks, problems, partial.stubs);
  }
  return problems.length === 0 && plan
    ? { ok: true, plan, problems: [] }
    : { ok: false, problems: dedupe(problems) };
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    const field = String(issue.discriminator);
    return field === 'kind'
      ? 'kind must be "task" or "approval"'
      : `"${field}" is missing or not one of the allowed values (see \`pipewright tasks --json\`)`;
  }
  return issue.message;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\0${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function checkGraph(steps: RawStep[], problems: Problem[]): void {
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (typeof s.id !== 'string') return;
    if (index.has(s.id)) {
      problems.push({
        path: `steps[${i}].id`,
        message: `duplicate step id "${s.id}" (first used by steps[${index.get(s.id)}])`,
      });
    } else index.set(s.id, i);
  });
  const deps = new Map<string, string[]>();
  steps.forEach((s, i) => {
    if (typeof s.id !== 'string' || !Array.isArray(s.dependsOn)) return;
    const list: string[] = [];
    s.dependsOn.forEach((d, j) => {
      if (typeof d !== 'string') return;
      if (d === s.id)
        problems.push({ path: `steps[${i}].dependsOn[${j}]`, message: `step "${s.id}" depends on itself` });
      else if (!index.has(d))
        problems.push({
          path: `steps[${i}].dependsOn[${j}]`,
          message: `unknown step "${d}"${hint(d, index.keys())}`,
        });
      else list.push(d);
    });
    deps.set(s.id, list);
  });
  for (const cycle of findCycles(deps)) {
    const first = cycle[0] as string;
    problems.push({
      path: `steps[${index.get(first)}].dependsOn`,
      message: `dependency cycle: ${[...cycle, first].join(' -> ')}`,
    });
  }
}

/**
 * Cycles found by depth-first search (iterative: a 10,000-step chain is 10,000 levels deep); each cycle
 * is reported once, from the step where the search entered it.
 */
function findCycles(deps: Map<string, string[]>): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  for (const root of deps.keys()) {
    if (state.has(root)) continue;
    const path: string[] = [];
    const frames: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 'visiting');
    path.push(root);
    while (frames.length) {
      const top = frames[frames.length - 1] as { id: string; next: number };
      const list = deps.get(top.id) ?? [];
      if (top.next < list.length) {
        const d = list[top.next++] as string;
        if (state.get(d) === 'visiting') cycles.push(path.slice(path.indexOf(d)));
        else if (!state.has(d)) {
          state.set(d, 'visiting');
          path.push(d);
          frames.push({ id: d, next: 0 });
        }
      } else {
        state.set(top.id, 'done');
        path.pop();
        frames.pop();
      }
    }
  }
  return cycles;
}

/** Plans larger than this answer "is A upstream of B" by searching instead of with bit sets (memory). */
const BITSET_LIMIT = 20_000;

/**
 * Reachability over dependsOn, for the semantic checks: whether one step is upstream of another, and
 * whether an approval is. Linear to set up (one topological pass); bit sets of every step's ancestors are
 * built only when a check needs more than a direct dependency.
 */
export class Upstream {
  private readonly byId: Map<string, Plan['steps'][number]>;
  private readonly order: string[];
  private readonly approvalAbove = new Map<string, boolean>();
  private bits: Map<string, Uint32Array> | undefined;
  private approvals: Map<string, readonly string[]> | undefined;
  private readonly index = new Map<string, number>();

  constructor(plan: Pick<Plan, 'steps'>) {
    this.byId = new Map(plan.steps.map((s) => [s.id, s]));
    plan.steps.forEach((s, i) => {
      this.index.set(s.id, i);
    });
    this.order = topologicalOrder(plan.steps);
    for (const id of this.order) {
      const s = this.byId.get(id);
      this.approvalAbove.set(
        id,
        (s?.dependsOn ?? []).some((d) => this.byId.get(d)?.kind === 'approval' || this.approvalAbove.get(d)),
      );
    }
  }

  /** Whether `ancestor` is upstream of `step` (through any chain of dependsOn). */
  has(step: string, ancestor: string): boolean {
    const s = this.byId.get(step);
    if (!s) return false;
    if (s.dependsOn.includes(ancestor)) return true;
    const i = this.index.get(ancestor);
    if (i === undefined) return false;
    if (this.byId.size <= BITSET_LIMIT) {
      const bits = this.bitsets().get(step);
      return bits ? ((bits[i >>> 5] as number) & (1 << (i & 31))) !== 0 : false;
    }
    const seen = new Set<string>();
    const stack = [...s.dependsOn];
    while (stack.length) {
      const id = stack.pop() as string;
      if (id === ancestor) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(this.byId.get(id)?.dependsOn ?? []));
    }
    return false;
  }

  /** Whether an approval step is upstream of `step`. */
  hasApproval(step: string): boolean {
    return this.approvalAbove.get(step) ?? false;
  }

  /**
   * The approval steps upstream of `step`. Built once for all steps in topological order; a step with one
   * dependency that is not an approval shares that dependency's list, so a long chain under one approval
   * costs one list, not one per step.
   */
  approvalsAbove(step: string): readonly string[] {
    if (!this.approvals) {
      const lists = new Map<string, readonly string[]>();
      for (const id of this.order) {
        const deps = this.byId.get(id)?.dependsOn ?? [];
        const only = deps.length === 1 ? (deps[0] as string) : undefined;
        if (only !== undefined && this.byId.get(only)?.kind !== 'approval') {
          lists.set(id, lists.get(only) ?? []);
          continue;
        }
        const set = new Set<string>();
        for (const d of deps) {
          if (this.byId.get(d)?.kind === 'approval') set.add(d);
          for (const a of lists.get(d) ?? []) set.add(a);
        }
        lists.set(id, [...set]);
      }
      this.approvals = lists;
    }
    return this.approvals.get(step) ?? [];
  }

  private bitsets(): Map<string, Uint32Array> {
    if (this.bits) return this.bits;
    const words = (this.byId.size + 31) >>> 5;
    const bits = new Map<string, Uint32Array>();
    for (const id of this.order) {
      const own = new Uint32Array(words);
      for (const d of this.byId.get(id)?.dependsOn ?? []) {
        const i = this.index.get(d);
        if (i === undefined) continue;
        own[i >>> 5] = (own[i >>> 5] as number) | (1 << (i & 31));
        const up = bits.get(d);
        if (up) for (let w = 0; w < words; w++) own[w] = (own[w] as number) | (up[w] as number);
      }
      bits.set(id, own);
    }
    this.bits = bits;
    return bits;
  }
}

/** Steps in an order where every step comes after its dependencies (steps in a cycle are left out). */
function topologicalOrder(steps: Plan['steps']): string[] {
  const ids = new Set(steps.map((s) => s.id));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const s of steps) {
    const deps = s.dependsOn.filter((d) => ids.has(d) && d !== s.id);
    waiting.set(s.id, deps.length);
    for (const d of deps) {
      const list = dependents.get(d);
      if (list) list.push(s.id);
      else dependents.set(d, [s.id]);
    }
  }
  const out = steps.filter((s) => waiting.get(s.id) === 0).map((s) => s.id);
  for (let i = 0; i < out.length; i++) {
    for (const k of dependents.get(out[i] as string) ?? []) {
      const left = (waiting.get(k) ?? 1) - 1;
      waiting.set(k, left);
      if (left === 0) out.push(k);
    }
  }
  return out;
}

function checkSemantics(
  plan: Plan,
  tasks: TaskLookup | undefined,
  problems: Problem[],
  stubs?: ReadonlySet<number>,
): void {
  const up = new Upstream(plan);
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  plan.steps.forEach((step, i) => {
    if (stubs?.has(i)) return;
    const at = `steps[${i}]`;
    const checkExpr = (src: string, path: string) => {
      let refs: string[][];
      try {
        refs = collectRefs(parseExpression(src));
      } catch (e) {
        const pos = e instanceof ExpressionError ? ` at character ${e.position + 1}` : '';
        problems.push({ path, message: `cannot parse expression "${src}"${pos}: ${(e as Error).message}` });
        return;
      }
      for (const ref of refs) checkRef(ref, path);
    };
    const checkRef = (ref: string[], path: string) => {
      const [root, id, section, field] = ref;
      if (root === 'inputs') {
        if (!id || !(id in plan.inputs))
          problems.push({
            path,
            message: `unknown plan input "${id ?? ''}"${hint(id ?? '', Object.keys(plan.inputs))}; declare it under inputs`,
          });
        return;
      }
      if (root !== 'steps' || !id) {
        problems.push({
          path,
          message: `"${ref.join('.')}" must start with steps.<id>.outputs or inputs.<name>`,
        });
        return;
      }
      const target = byId.get(id);
      if (!target) {
        problems.push({ path, message: `reference to unknown step "${id}"${hint(id, byId.keys())}` });
        return;
      }
      if (!up.has(step.id, id)) {
        problems.push({
          path,
          message: `step "${step.id}" reads "${id}" but does not depend on it; add "${id}" to dependsOn`,
        });
      }
      if (section === 'status') return;
      if (section !== 'outputs') {
        problems.push({
          path,
          message: `"${ref.join('.')}": expected steps.${id}.outputs.<field> or steps.${id}.status`,
        });
        return;
      }
      if (!field) return;
      const fields = outputFields(target, tasks);
      if (fields && !fields.includes(field)) {
        problems.push({
          path,
          message: `step "${id}" has no output "${field}"${hint(field, fields)}; it has: ${fields.join(', ')}`,
        });
      }
    };

    if (step.when) checkExpr(step.when, `${at}.when`);
    if (step.kind === 'approval') return;
    const templated = new Set<string>();
    walkStrings(step.with, [], (value, path) => {
      for (const src of templateExpressions(value)) {
        templated.add(formatPath(path));
        checkExpr(src, `${at}.with${path.length ? `.${formatPath(path)}` : ''}`);
      }
    });
    const task = tasks?.get(step.task);
    if (tasks && !task) {
      problems.push({
        path: `${at}.task`,
        message: `unknown task "${step.task}"${hint(step.task, tasks.ids())}`,
      });
      return;
    }
    if (!task) return;
    const result = task.input.safeParse(step.with);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const p = formatPath(issue.path);
        if ([...templated].some((t) => p === t || p.startsWith(`${t}.`) || p.startsWith(`${t}[`))) continue;
        problems.push({ path: `${at}.with${p ? `.${p}` : ''}`, message: issueMessage(issue) });
      }
    }
    if (task.needsApproval && !allowed(plan, step.task)) {
      if (!up.hasApproval(step.id)) {
        problems.push({
          path: `${at}`,
          message: `task "${step.task}" runs commands or deploys, so it needs an approval step upstream (or list it in allowUnapproved)`,
        });
      }
    }
  });
}

function allowed(plan: Plan, task: string): boolean {
  return (
    plan.allowUnapproved === true ||
    (Array.isArray(plan.allowUnapproved) && plan.allowUnapproved.includes(task))
  );
}

function outputFields(step: Plan['steps'][number], tasks: TaskLookup | undefined): string[] | undefined {
  if (step.kind === 'approval') return APPROVAL_OUTPUTS;
  const out = tasks?.get(step.task)?.output;
  const shape = (out as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : undefined;
}

function walkStrings(
  value: unknown,
  path: (string | number)[],
  fn: (v: string, p: (string | number)[]) => void,
) {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walkStrings(v, [...path, i], fn);
  } else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], fn);
}

/**
 * A plan that does not parse as a whole, made checkable: the plan-level fields that parse, every step that
 * parses, and a stub (its id, kind and dependencies) in place of each step that does not — so that the
 * steps checked see their neighbours, and a stub is never reported twice. Undefined without a steps list.
 */
function partialPlan(raw: unknown): { plan: Plan; stubs: Set<number> } | undefined {
  if (!raw || typeof raw !== 'object' || !Array.isArray((raw as { steps?: unknown }).steps)) return undefined;
  const r = raw as { steps: unknown[]; inputs?: unknown; allowUnapproved?: unknown };
  const stubs = new Set<number>();
  const steps: Step[] = r.steps.map((s, i) => {
    const p = Step.safeParse(s);
    if (p.success) return p.data;
    stubs.add(i);
    const x = (s && typeof s === 'object' ? s : {}) as RawStep;
    const id = typeof x.id === 'string' ? x.id : `#${i}`;
    const dependsOn = Array.isArray(x.dependsOn)
      ? x.dependsOn.filter((d): d is string => typeof d === 'string')
      : [];
    return x.kind === 'approval'
      ? { id, kind: 'approval', dependsOn, message: '', approvers: [], timeout: '24h', onTimeout: 'reject' }
      : { id, kind: 'task', task: typeof x.task === 'string' ? x.task : '', dependsOn, with: {} };
  });
  const inputs = Plan.shape.inputs.safeParse(r.inputs);
  const allow = Plan.shape.allowUnapproved.safeParse(r.allowUnapproved);
  return {
    plan: {
      apiVersion: 'pipewright/v1',
      name: 'plan',
      // Inputs that do not parse still name the inputs there are.
      inputs: inputs.success
        ? inputs.data
        : Object.fromEntries(
            Object.keys(r.inputs && typeof r.inputs === 'object' ? r.inputs : {}).map((k) => [
              k,
              { type: 'string' as const },
            ]),
          ),
      // A broken allowUnapproved was reported already: approvals are not second-guessed on top of it.
      allowUnapproved: allow.success ? allow.data : true,
      metadata: {},
      steps,
    },
    stubs,
  };
}

/** Throwing variant for callers that want a PipewrightError with every problem in details. */
export function parsePlan(raw: unknown, tasks?: TaskLookup): Plan {
  const r = validatePlan(raw, tasks);
  if (r.ok) return r.plan;
  throw userError(
    'PLAN_INVALID',
    `The plan has ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`,
    undefined,
    'Fix each listed problem in the plan file, then run `pipewright validate <plan>` again.',
    { problems: r.problems },
  );
}

export const safeParsePlan = validatePlan;
