import { describe, expect, it } from 'vitest';
import {
  collectRefs,
  evaluate,
  parseDuration,
  parseExpression,
  renderTemplates,
} from '../../src/plan/index.ts';

const scope = {
  steps: { eval: { outputs: { metrics: { accuracy: 0.93, f1: 0.8 }, improved: true }, status: 'succeeded' } },
  inputs: { min: 0.9 },
};

describe('expressions', () => {
  it('evaluates comparisons, logic and arithmetic with the usual precedence', () => {
    expect(
      evaluate(
        parseExpression('steps.eval.outputs.metrics.accuracy >= inputs.min && steps.eval.outputs.improved'),
        scope,
      ),
    ).toBe(true);
    expect(
      evaluate(
        parseExpression('steps.eval.outputs.metrics.f1 > 0.9 or not steps.eval.outputs.improved'),
        scope,
      ),
    ).toBe(false);
    expect(evaluate(parseExpression('1 + 2 * 3 == 7'), scope)).toBe(true);
    expect(evaluate(parseExpression('(1 + 2) * 3'), scope)).toBe(9);
    expect(evaluate(parseExpression("steps.eval.status == 'succeeded'"), scope)).toBe(true);
  });

  it('lists references for static checks', () => {
    expect(collectRefs(parseExpression('a.b >= 1 && !c["d"].e'))).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
  });

  it('never reaches the prototype chain', () => {
    expect(evaluate(parseExpression('steps.constructor'), scope)).toBeUndefined();
    expect(evaluate(parseExpression('steps.eval.outputs.__proto__'), scope)).toBeUndefined();
  });

  it('reports syntax errors with a position', () => {
    expect(() => parseExpression('a >= (1')).toThrow(/expected "\)"/);
    expect(() => parseExpression('a >= ;')).toThrow(/unexpected character ";"/);
  });

  it('renders templates: whole templates keep their type, embedded ones interpolate', () => {
    const out = renderTemplates(
      {
        n: '${{ steps.eval.outputs.metrics.accuracy }}',
        s: 'acc=${{ steps.eval.outputs.metrics.accuracy }}',
        list: ['${{ inputs.min }}'],
      },
      scope,
    );
    expect(out).toEqual({ n: 0.93, s: 'acc=0.93', list: [0.9] });
  });

  it('parses durations people write', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('5 m')).toBeUndefined();
  });
});
