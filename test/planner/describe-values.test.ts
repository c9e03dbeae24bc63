/** describe_dataset lists the values of text columns with few of them; a target said by its classes uses them. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDescribeDataset, type DatasetDescription } from '../../agents/planner/describe-dataset.ts';
import { resolveTarget } from '../../agents/planner/offline/build-data.ts';
import { parseGoal } from '../../agents/planner/offline/parse.ts';

describe('describe_dataset: the values of a text column with few of them', () => {
  it('lists them most frequent first, never for many-valued or secret-looking columns', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'pw-values-'));
    const rows = ['id,grade,note,api_key,size'];
    for (let i = 0; i < 60; i++)
      rows.push(`${i},${['gold', 'silver', 'silver', 'bronze'][i % 4]},note ${i},k${i % 2},${i * 1.5}`);
    writeFileSync(path.join(ws, 'medals.csv'), `${rows.join('\n')}\n`);
    const d = await createDescribeDataset(ws)('medals.csv');
    const col = (n: string) => d?.columns.find((c) => c.name === n);
    expect(col('grade')?.values).toEqual(['silver', 'bronze', 'gold']);
    expect(col('note')?.values).toBeUndefined(); // 60 distinct values
    expect(col('api_key')?.values).toBeUndefined(); // a secret-looking column is never listed
    expect(col('size')?.values).toBeUndefined(); // numbers are no class list
  });
});

describe('a target said by its classes, beyond the sample rows', () => {
  const data: DatasetDescription = {
    path: 'data/fruit.csv',
    format: 'csv',
    rows: 900,
    columns: [
      { name: 'weight_g', type: 'DOUBLE', distinct: 400, nulls: 0 },
      { name: 'kind', type: 'VARCHAR', distinct: 3, nulls: 0, values: ['apple', 'pear', 'quince'] },
      { name: 'farm', type: 'VARCHAR', distinct: 4, nulls: 0, values: ['north', 'south', 'east', 'west'] },
    ],
    // The sample shows apples only: the listed pear and quince are known from the column's values.
    sample: [{ weight_g: 150, kind: 'apple', farm: 'north' }],
  };
  it.each([
    'tell pears from quinces and apples: which is it (pear, quince or apple), data/fruit.csv, random forest',
    'a model saying whether a fruit is a pear or a quince, from data/fruit.csv',
  ])('%s → kind', (goal) => {
    expect(resolveTarget(parseGoal(goal), data)).toBe('kind');
  });
  it('one listed word that is a value is not enough', () => {
    expect(
      resolveTarget(parseGoal('a model for pear or banana prices, from data/fruit.csv'), data),
    ).toBeUndefined();
  });
});
