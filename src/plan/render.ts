/**
 * Plans rendered for people: a table of steps and the DAG as indented text. Both are iterative and linear
 * in the plan's size, so a 10,000-step chain renders (no recursion, no indentation growing with depth).
 */
import type { Plan } from './schema.ts';

/** Deeper than this, the DAG stops indenting and names the depth instead. */
export const MAX_DAG_INDENT = 12;

export function renderPlanTable(plan: Plan): string {
  const rows = plan.steps.map((s) => [
    s.id,
    s.kind === 'approval' ? 'approval' : s.task,
    s.dependsOn.join(', ') || '-',
    s.when ?? (s.kind === 'approval' ? `${s.message} (timeout ${s.timeout}, then ${s.onTimeout})` : ''),
  ]);
  const head = ['step', 'task', 'after', 'condition / note'];
  const widths = head.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] as string).length), h.length));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * Each step under its first dependency; steps joining several branches note the others. Past
 * MAX_DAG_INDENT levels a line keeps the indentation of that level and says how deep it is.
 */
export function renderPlanDag(plan: Plan): string {
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const s of plan.steps) {
    const first = s.dependsOn[0];
    if (first === undefined) roots.push(s.id);
    else {
      const list = children.get(first);
      if (list) list.push(s.id);
      else children.set(first, [s.id]);
    }
  }
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const lines: string[] = [];
  // Depth-first with an explicit stack, in the same order as a recursive walk.
  const stack: { id: string; prefix: string; last: boolean; depth: number }[] = roots
    .map((id) => ({ id, prefix: '', last: true, depth: 0 }))
    .reverse();
  while (stack.length) {
    const { id, prefix, last, depth } = stack.pop() as (typeof stack)[number];
    const s = byId.get(id);
    if (!s) continue;
    const label = s.kind === 'approval' ? `${id} [approval]` : `${id} (${s.task})`;
    const also = s.dependsOn.slice(1);
    const joined = also.length ? `  <- also after ${also.join(', ')}` : '';
    const deep = depth > MAX_DAG_INDENT ? `[depth ${depth}] ` : '';
    lines.push(`${depth === 0 ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${deep}${label}${joined}`);
    const kids = children.get(id) ?? [];
    const childPrefix =
      depth === 0 ? '' : depth >= MAX_DAG_INDENT ? prefix : `${prefix}${last ? '   ' : '│  '}`;
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push({
        id: kids[i] as string,
        prefix: childPrefix,
        last: i === kids.length - 1,
        depth: depth + 1,
      });
    }
  }
  return lines.join('\n');
}
