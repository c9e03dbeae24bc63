/** The task registry and its catalog: ids, descriptions and JSON Schemas, which is all a planner sees. */
import { z } from 'zod';
import { userError } from '../errors.ts';
import { closest, type TaskLookup } from '../plan/index.ts';
import type { AnyTask } from './define.ts';

export interface CatalogEntry {
  id: string;
  description: string;
  needsApproval: boolean;
  cacheable: boolean;
  resources?: AnyTask['resources'];
  placement: NonNullable<AnyTask['placement']>;
  input: unknown;
  output: unknown;
}

export class TaskRegistry implements TaskLookup {
  private readonly tasks = new Map<string, AnyTask>();

  constructor(tasks: Iterable<AnyTask> = []) {
    for (const t of tasks) this.register(t);
  }

  register(task: AnyTask): this {
    if (this.tasks.has(task.id)) throw new Error(`task "${task.id}" is registered twice`);
    this.tasks.set(task.id, task);
    return this;
  }

  get(id: string): AnyTask | undefined {
    return this.tasks.get(id);
  }

  require(id: string): AnyTask {
    const t = this.tasks.get(id);
    if (t) return t;
    const near = closest(id, this.tasks.keys());
    throw userError(
      'TASK_NOT_FOUND',
      `Unknown task "${id}"`,
      near ? `no task has that id; did you mean "${near}"?` : 'no task has that id',
      'Run `pipewright tasks` to list the catalog.',
    );
  }

  ids(): string[] {
    return [...this.tasks.keys()].sort();
  }

  all(): AnyTask[] {
    return this.ids().map((id) => this.tasks.get(id) as AnyTask);
  }

  /** The catalog as JSON Schema, for planners and `pipewright tasks --json`. */
  catalog(): CatalogEntry[] {
    return this.all().map((t) => ({
      id: t.id,
      description: t.description,
      needsApproval: t.needsApproval,
      cacheable: t.cacheable,
      ...(t.resources ? { resources: t.resources } : {}),
      placement: t.placement ?? 'anywhere',
      input: z.toJSONSchema(t.input, { io: 'input', unrepresentable: 'any' }),
      output: z.toJSONSchema(t.output, { io: 'output', unrepresentable: 'any' }),
    }));
  }
}
