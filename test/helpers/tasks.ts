/** Small real tasks for engine tests: they do observable work (files, timers), nothing is mocked. */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { systemError, userError } from '../../src/errors.ts';
import { defineTask, TaskRegistry } from '../../src/tasks/index.ts';
import { builtinTasks } from '../../tools/index.ts';

export const echo = defineTask({
  id: 'test.echo',
  description: 'Returns its input value',
  input: z.object({ value: z.unknown().describe('Anything') }),
  output: z.object({ value: z.unknown().describe('The same value') }),
  run: async (input) => ({ value: input.value }),
});

/** Appends its label to a file in the workspace: the file counts executions. */
export const mark = defineTask({
  id: 'test.mark',
  description: 'Records an execution in a marker file, optionally after a delay',
  input: z.object({
    label: z.string().describe('Line to append'),
    file: z.string().default('marks.txt').describe('Marker file in the workspace'),
    delayMs: z.number().default(0).describe('Wait before finishing'),
    score: z.number().default(0).describe('Number echoed as output'),
  }),
  output: z.object({ label: z.string(), score: z.number() }),
  run: async (input, ctx) => {
    appendFileSync(path.join(ctx.workspace, input.file), `${input.label}\n`);
    if (input.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, input.delayMs);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(ctx.signal.reason);
        });
      });
    }
    ctx.progress(1, 'done');
    return { label: input.label, score: input.score };
  },
});

/** Fails until it has been called `failTimes` times (counted in a file), then succeeds. */
export const flaky = defineTask({
  id: 'test.flaky',
  description: 'Fails a set number of times before succeeding',
  input: z.object({
    failTimes: z.number().describe('Failures before success'),
    file: z.string().default('flaky.txt'),
    userMistake: z.boolean().default(false),
  }),
  output: z.object({ calls: z.number() }),
  cacheable: false,
  run: async (input, ctx) => {
    const f = path.join(ctx.workspace, input.file);
    appendFileSync(f, 'x');
    const calls = readFileSync(f, 'utf8').length;
    if (input.userMistake) throw userError('BAD', 'bad input', 'a user mistake', 'fix it');
    if (calls <= input.failTimes) throw systemError('FLAKY', `failure ${calls}`);
    return { calls };
  },
});

/**
 * Appends a line to a workspace file as a side effect run through ctx.once: however often the step is
 * attempted, the line is written once per run and step.
 */
export const publish = defineTask({
  id: 'test.publish',
  description: 'Publishes a line to a file in the workspace, once per step',
  input: z.object({
    line: z.string().describe('Line to append'),
    file: z.string().default('published.txt').describe('File in the workspace'),
  }),
  output: z.object({ attempt: z.number().describe('Attempt that published it') }),
  cacheable: false,
  run: async (input, ctx) =>
    ctx.once('publish', async () => {
      appendFileSync(path.join(ctx.workspace, input.file), `${input.line} ${ctx.idempotencyKey}\n`);
      return { attempt: ctx.attempt };
    }),
});

export const hang = defineTask({
  id: 'test.hang',
  description: 'Never finishes by itself (ignores its signal)',
  input: z.object({}),
  output: z.object({}),
  run: () => new Promise<Record<string, never>>(() => {}),
});

export function testRegistry(): TaskRegistry {
  return new TaskRegistry([...builtinTasks, echo, mark, flaky, hang, publish]);
}

export function readMarks(workspace: string, file = 'marks.txt'): string[] {
  const f = path.join(workspace, file);
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
}
