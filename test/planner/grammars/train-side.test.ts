/** Round 3, training side: host memory vs GPU memory, text named by a pronoun or "the text", vectoriser words. */
import { describe, expect, it } from 'vitest';
import type { DatasetDescription } from '../../../agents/planner/describe-dataset.ts';
import { parseTextFeatures, TEXT_REFERENCE } from '../../../agents/planner/offline/features.ts';
import { parseResources } from '../../../agents/planner/offline/resources.ts';
import { pickTextColumns } from '../../../agents/planner/offline/text-columns.ts';

describe('host memory is not GPU memory', () => {
  it.each([
    ['run x.py with 32Gi of memory on one GPU', { gpu: 1, memory: '32Gi' }],
    ['run x.py on one GPU with 32Gi of RAM', { gpu: 1, memory: '32Gi' }],
    ['launch x.py on one gpu, 64 GB memory', { gpu: 1, memory: '64Gi' }],
    ['two GPUs and 128G of host memory', { gpu: 2, memory: '128Gi' }],
    ['3 gpus + 48gb ram', { gpu: 3, memory: '48Gi' }],
    ['a single A100 and 200 GB system memory', { gpu: 1, memory: '200Gi' }],
    ['one gpu, memory 16Gi', { gpu: 1, memory: '16Gi' }],
    ['on two GPUs with 64 gigs of RAM', { gpu: 2, memory: '64Gi' }],
    ['1 GPU (40 GB VRAM) and 16 GB of system RAM', { gpu: 1, gpuMemory: '40Gi', memory: '16Gi' }],
    ['one GPU that has 80GB, plus 32GB memory for the job', { gpu: 1, gpuMemory: '80Gi', memory: '32Gi' }],
  ])('"%s"', (text, want) => {
    expect(parseResources(text)).toEqual(want);
  });
});

describe('GPU memory said per card', () => {
  it.each([
    ['2 GPUs with 24GB per GPU', { gpu: 2, gpuMemory: '24Gi' }],
    ['on a 80G card', { gpu: 1, gpuMemory: '80Gi' }],
    ['two 48 GB cards', { gpu: 2, gpuMemory: '48Gi' }],
    ['4 GPUs with 40GB of memory each', { gpu: 4, gpuMemory: '40Gi' }],
    ['a GPU with 24 GB memory', { gpu: 1, gpuMemory: '24Gi' }],
    ['2 gpus, 16GB of memory per card', { gpu: 2, gpuMemory: '16Gi' }],
    ['one gpu with 32GB of gpu memory and 64GB ram', { gpu: 1, gpuMemory: '32Gi', memory: '64Gi' }],
  ])('"%s"', (text, want) => {
    expect(parseResources(text)).toEqual(want);
  });
});

describe('text named by a pronoun or as "the text"', () => {
  it.each([
    ['predict queue from what the customer wrote in body, tf-idf on it', ['body']],
    ['predict queue from the body text, then vectorise it', ['body']],
    ['predict queue, vectorise that text', [TEXT_REFERENCE]],
    ['classify queue; use tf-idf on the text', [TEXT_REFERENCE]],
    ['tf-idf on it and predict queue', [TEXT_REFERENCE]],
    ['turn them into tf-idf features', [TEXT_REFERENCE]],
    ['apply tf idf to body', ['body']],
    ['tfidf the body column and predict queue', ['body']],
    ['a hashing vectorizer on body', ['body']],
    ['use embeddings of the body', ['body']],
    ['bag of words over the description', ['description']],
    ['body is free txt', ['body']],
    ['do text classification of body into queue', ['body']],
    ['TF-IDF features from notes', ['notes']],
  ])('"%s"', (text, want) => {
    expect(parseTextFeatures(text).explicit).toEqual(want);
  });

  const data = (cols: { name: string; type: string; distinct: number }[]): DatasetDescription =>
    ({ path: 'data/t.csv', rows: 200, columns: cols }) as unknown as DatasetDescription;
  const tickets = data([
    { name: 'id', type: 'BIGINT', distinct: 200 },
    { name: 'channel', type: 'VARCHAR', distinct: 3 },
    { name: 'body', type: 'VARCHAR', distinct: 190 },
    { name: 'queue', type: 'VARCHAR', distinct: 4 },
  ]);

  it('"the text" is the only free-text column of the data', () => {
    expect(pickTextColumns({ explicit: [TEXT_REFERENCE], maybe: [] }, tickets, 'queue')).toMatchObject({
      columns: ['body'],
    });
  });

  it('"the message text" of a table with one free-text column is that column', () => {
    expect(pickTextColumns({ explicit: ['message text'], maybe: [] }, tickets, 'queue')).toMatchObject({
      columns: ['body'],
    });
    expect(pickTextColumns({ explicit: ['summary'], maybe: [] }, tickets, 'queue')).toHaveProperty(
      'question',
    );
  });

  it('asks which column when the data has several free-text columns', () => {
    const two = data([
      { name: 'title', type: 'VARCHAR', distinct: 199 },
      { name: 'body', type: 'VARCHAR', distinct: 190 },
      { name: 'queue', type: 'VARCHAR', distinct: 4 },
    ]);
    expect(pickTextColumns({ explicit: [TEXT_REFERENCE], maybe: [] }, two, 'queue')).toHaveProperty(
      'question',
    );
    expect(pickTextColumns({ explicit: [TEXT_REFERENCE], maybe: ['title'] }, two, 'queue')).toMatchObject({
      columns: ['title'],
    });
  });
});

describe('text references with fillers, and words in a column', () => {
  it.each([
    ['vectorise the text too', [TEXT_REFERENCE]],
    ['tf-idf the text as well', [TEXT_REFERENCE]],
    ['predict queue from the words in body', ['body']],
    ['the body column is text, do tfidf for it', ['body']],
    ['treat the message text as a feature', ['message text']],
    ['use the text as an input', [TEXT_REFERENCE]],
  ])('"%s"', (text, want) => {
    expect(parseTextFeatures(text).explicit).toEqual(want);
  });
});

describe('round 3 probes: counts, typos and text words', () => {
  it.each([
    ['run x.py gpus=4', { gpu: 4 }],
    ['kick off x.py with gpu count two', { gpu: 2 }],
    ['one GPU and 32 GB of memmory', { gpu: 1, memory: '32Gi' }],
    ['2 gpus and 64G mem', { gpu: 2, memory: '64Gi' }],
  ])('"%s"', (text, want) => {
    expect(parseResources(text)).toEqual(want);
  });

  it.each([
    ['predict queue with the text of body', ['body']],
    ['nlp features on body', ['body']],
  ])('"%s"', (text, want) => {
    expect(parseTextFeatures(text).explicit).toEqual(want);
  });
});
