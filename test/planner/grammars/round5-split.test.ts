/** Round 5: a stratified split asked for with nothing to stratify by is said, never a silent random split. */
import { describe, expect, it } from 'vitest';
import type { DatasetDescription } from '../../../agents/planner/describe-dataset.ts';
import { applyEdit } from '../../../agents/planner/edits.ts';
import { buildPlan } from '../../../agents/planner/offline/build.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

const data = {
  rows: 300,
  columns: [
    { name: 'Region', type: 'VARCHAR', distinct: 4, nulls: 0 },
    { name: 'Income', type: 'DOUBLE', distinct: 290, nulls: 0 },
    { name: 'Segment', type: 'VARCHAR', distinct: 3, nulls: 0 },
  ],
} as unknown as DatasetDescription;

describe('a stratified split without a target', () => {
  it.each([
    'dedupe data/u.csv and split it stratified 70/30, no model',
    'give me a stratified train/test split of data/u.csv; nothing to train yet',
    'prepare data/u.csv with a stratified holdout of 25%, we will model it later',
  ])('%s asks which column', (goal) => {
    const out = buildPlan({ spec: parseGoal(goal), data });
    expect(out.kind).toBe('clarify');
    if (out.kind === 'clarify') expect(out.question).toMatch(/Region.*Segment/);
  });
  it('unread data: the plan says the split is random', () => {
    const out = buildPlan({ spec: parseGoal('split data/u.csv stratified 80/20, no model') });
    expect(out.kind).toBe('plan');
    if (out.kind === 'plan') expect(out.notes.join(' ')).toMatch(/stratif.*random/i);
  });
  it('a named column is used', () => {
    const out = buildPlan({
      spec: parseGoal('split data/u.csv 80/20 stratified by segment, no model'),
      data,
    });
    expect(out.kind).toBe('plan');
    if (out.kind === 'plan') {
      const split = (out.plan.steps as { id: string; with?: { by?: unknown } }[]).find(
        (s) => s.id === 'split',
      );
      expect(split?.with?.by).toEqual({ method: 'stratified', column: 'Segment' });
    }
  });
  it('an answer naming the column plans the split', () => {
    const spec = applyEdit(parseGoal('split data/u.csv stratified 80/20, no model'), 'stratify by Region');
    expect(spec.split).toMatchObject({ method: 'stratified', column: 'Region' });
  });
});
