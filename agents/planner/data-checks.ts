/** Checks of a drafted plan against the data it reads (beside the plan validator). */
import type { Plan, Problem } from '../../src/plan/index.ts';
import { type DatasetDescription, TEXT_TYPES } from './describe-dataset.ts';
import type { ToolCallRecord } from './tools/index.ts';

/** Data checks beside the plan validator: the target exists, the task type fits it. */
export function dataProblems(plan: Plan, data: DatasetDescription | undefined): Problem[] {
  if (!data) return [];
  const out: Problem[] = [];
  plan.steps.forEach((s, i) => {
    if (s.kind !== 'task' || !s.task.startsWith('train.')) return;
    const target = s.with.target;
    if (typeof target !== 'string' || target.includes('${{')) return;
    const col = data.columns.find((c) => c.name === target);
    if (!col) {
      out.push({
        path: `steps[${i}].with.target`,
        message: `"${target}" is not a column of ${data.path}; columns: ${data.columns.map((c) => c.name).join(', ')}`,
      });
    } else if (s.with.taskType === 'regression' && TEXT_TYPES.test(col.type)) {
      out.push({
        path: `steps[${i}].with.taskType`,
        message: `"${target}" is ${col.type}, so the task is classification, not regression`,
      });
    }
  });
  return out;
}

/** The first dataset a describe_dataset call returned, for the data checks. */
export function describedData(lookups: ToolCallRecord[]): DatasetDescription | undefined {
  for (const l of lookups) {
    if (l.name !== 'describe_dataset' || !l.ok) continue;
    try {
      const d = JSON.parse(l.content) as DatasetDescription;
      if (Array.isArray(d.columns)) return d;
    } catch {
      // Truncated output: no data checks from it.
    }
  }
  return undefined;
}
