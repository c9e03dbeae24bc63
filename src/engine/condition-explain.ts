/**
 * Why a `when:` condition was false, in the values that made it so: `steps.evaluate.outputs.metrics.f1_macro
 * >= 0.8` becomes "f1_macro 0.59 < 0.8"; `steps.compare.outputs.better == true` becomes "better is false".
 * A skipped step records this as its reason, and run summaries show it ("not deployed: f1_macro 0.59 < 0.8").
 */
import { type Expr, evaluate, type Scope } from '../plan/index.ts';

const NEGATED: Record<string, string> = {
  '>=': '<',
  '>': '<=',
  '<=': '>',
  '<': '>=',
  '==': '!=',
  '!=': '==',
};

/** Explains a condition that evaluated false (or falsy); the parts that held are left out. */
export function explainFalse(expr: Expr, scope: Scope): string {
  if (expr.type === 'binary' && expr.op === '&&') {
    const parts = [expr.left, expr.right]
      .filter((e) => !evaluate(e, scope))
      .map((e) => explainFalse(e, scope));
    return parts.join('; ');
  }
  if (expr.type === 'binary' && expr.op === '||') {
    return `${explainFalse(expr.left, scope)} and ${explainFalse(expr.right, scope)}`;
  }
  if (expr.type === 'binary' && expr.op in NEGATED) {
    const l = evaluate(expr.left, scope);
    const r = evaluate(expr.right, scope);
    if (expr.op === '==' && expr.right.type === 'lit' && typeof expr.right.value === 'boolean')
      return `${label(expr.left)} is ${show(l)}`;
    if (l === undefined) return `${label(expr.left)} is missing`;
    if (r === undefined) return `${label(expr.right)} is missing`;
    const right = expr.right.type === 'lit' ? show(r) : `${label(expr.right)} ${show(r)}`;
    return `${label(expr.left)} ${show(l)} ${NEGATED[expr.op]} ${right}`;
  }
  if (expr.type === 'unary' && expr.op === '!')
    return `${label(expr.arg)} is ${show(evaluate(expr.arg, scope))}`;
  if (expr.type === 'ref') {
    const v = evaluate(expr, scope);
    return v === undefined ? `${label(expr)} is missing` : `${label(expr)} is ${show(v)}`;
  }
  return `${source(expr)} is ${show(evaluate(expr, scope))}`;
}

/** A short name for a value: the path after `outputs` (without a leading `metrics`), or the expression. */
function label(e: Expr): string {
  if (e.type !== 'ref') return source(e);
  const at = e.path.indexOf('outputs');
  let rest = at >= 0 ? e.path.slice(at + 1) : e.path.slice(e.path[0] === 'inputs' ? 1 : 0);
  if (rest[0] === 'metrics' && rest.length > 1) rest = rest.slice(1);
  return rest.join('.') || e.path.join('.');
}

function source(e: Expr): string {
  switch (e.type) {
    case 'lit':
      return typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'ref':
      return e.path.join('.');
    case 'unary':
      return `${e.op}${source(e.arg)}`;
    case 'binary':
      return `${source(e.left)} ${e.op} ${source(e.right)}`;
  }
}

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)));
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'missing';
  if (v !== null && typeof v === 'object') return JSON.stringify(v).slice(0, 60);
  return String(v);
}

/** The tasks whose skipping means nothing was deployed / rolled back: named that way in summaries. */
const VERB: Record<string, string> = {
  'deploy.http': 'not deployed',
  'model.rollback': 'not rolled back',
  'model.register': 'not registered',
};

export interface SkippedStep {
  stepId: string;
  task?: string | undefined;
  reason?: string | undefined;
}

/**
 * Summary lines for a finished run's skipped steps: each step skipped by its own condition, with the
 * consequence for the deploy-like steps after it. "not deployed: f1_macro 0.59 < 0.8 (gate at step approve)".
 */
export function skippedNotes(
  steps: readonly SkippedStep[],
  dependsOn: (stepId: string) => readonly string[],
): string[] {
  const byId = new Map(steps.map((s) => [s.stepId, s]));
  const rootOf = (id: string, seen = new Set<string>()): SkippedStep | undefined => {
    const s = byId.get(id);
    if (!s || seen.has(id)) return undefined;
    seen.add(id);
    if (s.reason?.startsWith(CONDITION_PREFIX)) return s;
    for (const d of dependsOn(id)) {
      const r = rootOf(d, seen);
      if (r) return r;
    }
    return undefined;
  };
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const s of steps) {
    const root = rootOf(s.stepId);
    if (!root) continue;
    const why = (root.reason ?? '').slice(CONDITION_PREFIX.length).replace(/ \(when: .*\)$/, '');
    const verb = s.task ? VERB[s.task] : undefined;
    const line = verb
      ? `${verb} (${s.stepId}): ${why}${root.stepId !== s.stepId ? ` — condition of step ${root.stepId}` : ''}`
      : root.stepId === s.stepId
        ? `skipped ${s.stepId}: ${why}`
        : undefined;
    if (line && !seen.has(line)) {
      seen.add(line);
      notes.push(line);
    }
  }
  return notes;
}

/** How a skip by condition starts its reason (compile.ts writes it, skippedNotes reads it). */
export const CONDITION_PREFIX = 'condition is false: ';

/** The reason recorded for a step skipped by its condition. */
export function conditionReason(when: string, expr: Expr, scope: Scope): string {
  return `${CONDITION_PREFIX}${explainFalse(expr, scope)} (when: ${when})`;
}
