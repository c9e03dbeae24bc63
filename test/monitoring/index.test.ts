/** The monitoring stage's public face: task ids, and schemas a planner can read. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TaskRegistry } from '../../src/tasks/index.ts';
import { monitoringTasks } from '../../tools/monitoring/index.ts';

/** Paths of object properties in a JSON Schema that carry no description. */
function undescribed(schema: unknown, path = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as { properties?: Record<string, { description?: string }>; items?: unknown };
  const out: string[] = [];
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    if (!v.description) out.push(`${path}${k}`);
    out.push(...undescribed(v, `${path}${k}.`));
  }
  if (s.items) out.push(...undescribed(s.items, `${path}[].`));
  return out;
}

describe('monitoringTasks', () => {
  it('registers monitor.drift and notify.send', () => {
    const registry = new TaskRegistry(monitoringTasks);
    expect(registry.get('monitor.drift')?.cacheable).toBe(false);
    expect(registry.get('notify.send')?.needsApproval).toBe(false);
  });

  it('describes every input and output field', () => {
    for (const task of monitoringTasks) {
      expect(undescribed(z.toJSONSchema(task.input, { io: 'input' })), task.id).toEqual([]);
      expect(undescribed(z.toJSONSchema(task.output, { io: 'output' })), task.id).toEqual([]);
    }
  });
});
