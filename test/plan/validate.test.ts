import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parsePlan, validatePlan } from '../../src/plan/index.ts';
import { defineTask, TaskRegistry } from '../../src/tasks/index.ts';
import { builtinRegistry } from '../../tools/index.ts';

const registry = new TaskRegistry([
  ...builtinRegistry()
    .all()
    .filter((t) => t.id !== 'ingest.file'),
  defineTask({
    id: 'ingest.file',
    description: 'test stand-in with the real input shape',
    input: z.object({ path: z.string().describe('file') }),
    output: z.object({ rows: z.number().describe('rows'), path: z.string().describe('path') }),
    run: async () => ({ rows: 1, path: 'x' }),
  }),
  defineTask({
    id: 'train.model',
    description: 'test',
    input: z.object({ rows: z.number().describe('rows'), target: z.string().describe('target') }),
    output: z.object({ accuracy: z.number().describe('acc') }),
    run: async () => ({ accuracy: 1 }),
  }),
]);

const problemsOf = (plan: unknown) => {
  const r = validatePlan(plan, registry);
  return r.ok ? [] : r.problems;
};

describe('validatePlan', () => {
  it('accepts the contract example from the design', () => {
    const r = validatePlan(
      {
        name: 'penguins-species',
        goal: 'predict species from penguins, deploy if accuracy >= 0.9',
        steps: [
          { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' } },
          {
            id: 'check',
            kind: 'approval',
            dependsOn: ['load'],
            message: 'Deploy?',
            timeout: '24h',
            onTimeout: 'reject',
          },
        ],
      },
      registry,
    );
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.plan.steps[0]?.kind).toBe('task');
      expect(r.plan.steps[1]).toMatchObject({ kind: 'approval', approvers: [], onTimeout: 'reject' });
    }
  });

  it('checks the steps that parse even when the plan as a whole does not: one pass, every problem', () => {
    // Before: the schema problems (name, an unknown field, a missing message) hid the unknown task, the
    // misspelt output and the read of an undeclared input until they were fixed: three rounds.
    const r = validatePlan(
      {
        name: 'Bad Name',
        steps: [
          { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' }, retries: 3 },
          {
            id: 'train',
            task: 'train.tabularr',
            dependsOn: ['load'],
            with: { dataset: '${{ steps.load.outputs.datset }}' },
          },
          { id: 'ok', kind: 'approval', dependsOn: ['train'] },
          {
            id: 'deploy',
            task: 'deploy.http',
            dependsOn: ['ok'],
            with: { model: 'm', version: '${{ inputs.version }}', reason: '${{ steps.ok.outputs.comment }}' },
          },
        ],
      },
      registry,
    );
    expect(r.ok).toBe(false);
    const paths = r.problems.map((p) => `${p.path}: ${p.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: /),
        'steps[0]: unknown field "retries"',
        expect.stringMatching(/^steps\[2\]\.message: /),
        'steps[1].task: unknown task "train.tabularr" (did you mean "train.tabular"?)',
        expect.stringMatching(/^steps\[1\]\.with\.dataset: step "load" has no output "datset"/),
        expect.stringMatching(/^steps\[3\]\.with\.version: unknown plan input "version"/),
      ]),
    );
    expect(r.problems).toHaveLength(6);
    // The approval that does not parse still stands before deploy: no "needs an approval" and no "unknown
    // step ok" on top of its own problem.
    expect(paths.join('\n')).not.toMatch(/needs an approval|unknown step "ok"/);
  });

  it('reports every problem at once, each with its path', () => {
    const problems = problemsOf({
      name: 'broken',
      steps: [
        { id: 'load', task: 'ingest.file', with: { path: 42 } },
        { id: 'train', task: 'train.model', dependsOn: ['lod'], with: { rows: 1, target: 'y' } },
        { id: 'train', task: 'ingest.fil', with: {} },
      ],
    });
    const text = problems.map((p) => `${p.path}: ${p.message}`);
    expect(text).toContainEqual(expect.stringMatching(/^steps\[2\]\.id: duplicate step id "train"/));
    expect(text).toContainEqual('steps[1].dependsOn[0]: unknown step "lod" (did you mean "load"?)');
    expect(text).toContainEqual(expect.stringMatching(/^steps\[0\]\.with\.path: .*string/i));
    expect(text).toContainEqual('steps[2].task: unknown task "ingest.fil" (did you mean "ingest.file"?)');
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('finds cycles and names them', () => {
    const problems = problemsOf({
      name: 'loop',
      steps: [
        { id: 'a', task: 'ingest.file', dependsOn: ['c'], with: { path: 'x' } },
        { id: 'b', task: 'ingest.file', dependsOn: ['a'], with: { path: 'x' } },
        { id: 'c', task: 'ingest.file', dependsOn: ['b'], with: { path: 'x' } },
      ],
    });
    expect(problems.some((p) => /dependency cycle: a -> c -> b -> a|a -> .* -> a/.test(p.message))).toBe(
      true,
    );
  });

  it('checks references to upstream outputs, and skips type checks for templated values', () => {
    const ok = problemsOf({
      name: 'refs',
      steps: [
        { id: 'load', task: 'ingest.file', with: { path: 'a.csv' } },
        {
          id: 'train',
          task: 'train.model',
          dependsOn: ['load'],
          with: { rows: '${{ steps.load.outputs.rows }}', target: 'y' },
        },
        {
          id: 'gate',
          kind: 'approval',
          dependsOn: ['train'],
          message: 'ok?',
          when: 'steps.train.outputs.accuracy >= 0.9',
        },
      ],
    });
    expect(ok).toEqual([]);
    const bad = problemsOf({
      name: 'refs',
      steps: [
        { id: 'load', task: 'ingest.file', with: { path: 'a.csv' } },
        { id: 'other', task: 'ingest.file', with: { path: 'b.csv' } },
        {
          id: 'train',
          task: 'train.model',
          dependsOn: ['load'],
          with: { rows: '${{ steps.load.outputs.row }}', target: '${{ steps.other.outputs.path }}' },
        },
        {
          id: 'gate',
          kind: 'approval',
          dependsOn: ['train'],
          message: 'ok?',
          when: 'steps.train.outputs.acc >= (0.9',
        },
      ],
    });
    const text = bad.map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(text).toContain('steps[2].with.rows: step "load" has no output "row" (did you mean "rows"?)');
    expect(text).toContain('steps[2].with.target: step "train" reads "other" but does not depend on it');
    expect(text).toMatch(/steps\[3\]\.when: cannot parse expression/);
  });

  it('requires an approval upstream of commands unless the plan allows it', () => {
    const plan = {
      name: 'cmd',
      steps: [{ id: 'run', task: 'shell.exec', with: { command: ['echo', 'hi'] } }],
    };
    expect(problemsOf(plan)).toEqual([
      { path: 'steps[0]', message: expect.stringContaining('needs an approval step upstream') },
    ]);
    expect(problemsOf({ ...plan, allowUnapproved: ['shell.exec'] })).toEqual([]);
    expect(
      problemsOf({
        name: 'cmd',
        steps: [
          { id: 'ask', kind: 'approval', message: 'run it?' },
          { id: 'run', task: 'shell.exec', dependsOn: ['ask'], with: { command: ['echo', 'hi'] } },
        ],
      }),
    ).toEqual([]);
  });

  it('rejects unknown fields, bad durations and bad ids', () => {
    const text = problemsOf({
      name: 'Bad Name',
      colour: 'blue',
      steps: [{ id: 'Load', task: 'ingest.file', with: { path: 'x' }, timeout: 'soon', retries: 3 }],
    }).map((p) => `${p.path}: ${p.message}`);
    expect(text).toContainEqual(expect.stringMatching(/^name: plan names are lower-case/));
    expect(text).toContainEqual(': unknown field "colour"');
    expect(text).toContainEqual(expect.stringMatching(/^steps\[0\]\.id: step ids are lower-case/));
    expect(text).toContainEqual(expect.stringMatching(/^steps\[0\]\.timeout: not a duration/));
    expect(text).toContainEqual('steps[0]: unknown field "retries"');
  });

  it('parsePlan throws one user error carrying every problem', () => {
    try {
      parsePlan({ name: 'x', steps: [] }, registry);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'PLAN_INVALID', category: 'user', retryable: false });
      expect((e as { details: { problems: unknown[] } }).details.problems).toHaveLength(1);
    }
  });
});
