import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlanText, planToJson, planToYaml, validatePlan } from '../../src/plan/index.ts';

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
});
