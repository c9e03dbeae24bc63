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

/** Each elementary cycle reported once, found by depth-first search. */
function findCycles(deps: Map<string, string[]>): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (id: string) => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const d of deps.get(id) ?? []) {
      if (state.get(d) === 'visiting') cycles.push(stack.slice(stack.indexOf(d)));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of deps.keys()) if (!state.has(id)) visit(id);
  return cycles;
}

/** Transitive upstream of every step (assumes no cycles were found; guards anyway). */
export function ancestors(plan: Pick<Plan, 'steps'>): Map<string, Set<string>> {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const memo = new Map<string, Set<string>>();
  const walk = (id: string, seen: Set<string>): Set<string> => {
    const cached = memo.get(id);
    if (cached) return cached;
    const out = new Set<string>();
    if (seen.has(id)) return out;
    seen.add(id);
    for (const d of byId.get(id)?.dependsOn ?? []) {
      out.add(d);
      for (const a of walk(d, seen)) out.add(a);
    }
    memo.set(id, out);
    return out;
  };
  for (const s of plan.steps) walk(s.id, new Set());
  return memo;
}

function checkSemantics(
  plan: Plan,
  tasks: TaskLookup | undefined,
  problems: Problem[],
  stubs?: ReadonlySet<number>,
): void {
  const up = ancestors(plan);
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
      if (!up.get(step.id)?.has(id)) {
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
      const hasApproval = [...(up.get(step.id) ?? [])].some((a) => byId.get(a)?.kind === 'approval');
      if (!hasApproval) {
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
