import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PLAN_LIMITS, parsePlanText, planToJson, planToYaml, validatePlan } from '../../src/plan/index.ts';

describe('plan files', () => {
  it('round-trips YAML and JSON to the same plan', () => {
    const text = readFileSync(new URL('../../examples/hello.yaml', import.meta.url), 'utf8');
    const first = validatePlan(parsePlanText(text));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const viaYaml = validatePlan(parsePlanText(planToYaml(first.plan)));
    const viaJson = validatePlan(JSON.parse(planToJson(first.plan)));
    expect(viaYaml.ok && viaYaml.plan).toEqual(first.plan);
    expect(viaJson.ok && viaJson.plan).toEqual(first.plan);
  });

  it('reports malformed YAML with its line', () => {
    expect(() => parsePlanText('name: x\nsteps:\n  - id: a\n   task: b\n', 'p.yaml')).toThrow(
      /Cannot read p\.yaml \(line \d+, column \d+\)/,
    );
  });

  it('refuses duplicate keys', () => {
    expect(() => parsePlanText('name: x\nname: y\nsteps: []\n')).toThrow(/Cannot read/);
  });

  it('refuses an alias bomb, an oversized plan and too many steps as user errors', () => {
    const bomb = `name: b\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nsteps: [*c]\n`;
    const code = (fn: () => unknown) => {
      try {
        fn();
        return 'ok';
      } catch (e) {
        return (e as { code?: string; category?: string }).category === 'user'
          ? (e as { code: string }).code
          : 'not a user error';
      }
    };
    expect(code(() => parsePlanText(bomb, 'b.yaml'))).toBe('PLAN_TOO_COMPLEX');
    expect(code(() => parsePlanText('name: ok\na: &a [x]\nb: *a\nsteps: [*a]\n', 'a.yaml'))).toBe('ok');
    expect(code(() => parsePlanText('name: x\nsteps: []\n', 'p', { ...PLAN_LIMITS, bytes: 10 }))).toBe(
      'PLAN_TOO_LARGE',
    );
    expect(code(() => parsePlanText('name: x\nsteps: [1, 2, 3]\n', 'p', { ...PLAN_LIMITS, steps: 2 }))).toBe(
      'PLAN_TOO_LARGE',
    );
    expect(code(() => parsePlanText(`${'['.repeat(20_000)}${']'.repeat(20_000)}`, 'deep'))).toMatch(/PLAN_/);
  });
});
