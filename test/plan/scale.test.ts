/** 10,000-step plans validate and render: no recursion as deep as the plan, nothing quadratic in memory. */
import { describe, expect, it } from 'vitest';
import { MAX_DAG_INDENT, renderPlanDag, renderPlanTable, validatePlan } from '../../src/plan/index.ts';
import { testRegistry } from '../helpers/tasks.ts';

const N = 10_000;
const chain = (n: number, readFirst = false) => ({
  name: 'chain',
  steps: Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    task: 'test.echo',
    dependsOn: i ? [`s${i - 1}`] : [],
    // Every step reads the first one's output: "is s0 upstream of s9999?" without a direct edge.
    with: { value: readFirst && i > 1 ? '${{ steps.s0.outputs.value }}' : i },
  })),
});
const fanout = (n: number) => ({
  name: 'fanout',
  steps: Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    task: 'test.echo',
    dependsOn: i ? ['s0'] : [],
    with: { value: i },
  })),
});

describe('plans of 10,000 steps', () => {
  const registry = testRegistry();

  it('validates a chain whose every step reads the first one, and a fan-out', () => {
    expect(validatePlan(chain(N, true), registry).problems).toEqual([]);
    expect(validatePlan(fanout(N), registry).problems).toEqual([]);
  });

  it('still finds a reference to a step that is not upstream, and a cycle, in a long chain', () => {
    const plan = chain(N);
    const first = plan.steps[0] as { with: { value: unknown }; dependsOn: string[] };
    first.with.value = '${{ steps.s9999.outputs.value }}';
    const problems = validatePlan(plan, registry).problems.map((p) => p.message);
    expect(problems).toContainEqual(
      expect.stringContaining('step "s0" reads "s9999" but does not depend on it'),
    );
    first.dependsOn = ['s9999'];
    expect(validatePlan(plan, registry).problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/^dependency cycle: s0 -> s9999 -> s9998 .* -> s0$/),
    );
  });

  it('renders a chain and a fan-out as one line per step, indentation capped', () => {
    const parsed = validatePlan(chain(N), registry);
    if (!parsed.ok) throw new Error('invalid');
    const dag = renderPlanDag(parsed.plan).split('\n');
    expect(dag).toHaveLength(N);
    expect(dag[N - 1]).toMatch(/\[depth 9999\] s9999 \(test\.echo\)$/);
    const widest = Math.max(...dag.map((l) => l.length));
    expect(widest).toBeLessThan(3 * (MAX_DAG_INDENT + 2) + 40);
    expect(renderPlanTable(parsed.plan).split('\n')).toHaveLength(N + 2);
    const wide = validatePlan(fanout(N), registry);
    if (!wide.ok) throw new Error('invalid');
    expect(renderPlanDag(wide.plan).split('\n')).toHaveLength(N);
  });
});
