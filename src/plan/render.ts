/** Plans rendered for people: a table of steps and the DAG as indented text. */
import type { Plan } from './schema.ts';

export function renderPlanTable(plan: Plan): string {
  const rows = plan.steps.map((s) => [
    s.id,
    s.kind === 'approval' ? 'approval' : s.task,
    s.dependsOn.join(', ') || '-',
    s.when ?? (s.kind === 'approval' ? `${s.message} (timeout ${s.timeout}, then ${s.onTimeout})` : ''),
  ]);
  const head = ['step', 'task', 'after', 'condition / note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Each step under its first dependency; steps joining several branches note the others. */
export function renderPlanDag(plan: Plan): string {
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const s of plan.steps) {
    const first = s.dependsOn[0];
    if (first === undefined) roots.push(s.id);
    else children.set(first, [...(children.get(first) ?? []), s.id]);
  }
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const lines: string[] = [];
  const walk = (id: string, prefix: string, last: boolean, depth: number) => {
    const s = byId.get(id);
    if (!s) return;
    const label = s.kind === 'approval' ? `${id} [approval]` : `${id} (${s.task})`;
    const also = s.dependsOn.slice(1);
    const joined = also.length ? `  <- also after ${also.join(', ')}` : '';
    lines.push(`${depth === 0 ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${label}${joined}`);
    const kids = children.get(id) ?? [];
    for (const [i, k] of kids.entries()) {
      walk(k, depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`, i === kids.length - 1, depth + 1);
    }
  };
  for (const r of roots) walk(r, '', true, 0);
  return lines.join('\n');
}
