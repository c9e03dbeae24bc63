/** script.ts and features.ts: people's own scripts, and free-text columns. */
import { describe, expect, it } from 'vitest';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { parseModelName } from '../../../agents/planner/offline/params.ts';
import { parseResources } from '../../../agents/planner/offline/resources.ts';
import { parseArgs, parseScript } from '../../../agents/planner/offline/script.ts';

describe('own scripts', () => {
  it('reads the script, every flag with its value, an interpreter and the artifact to register', () => {
    expect(parseScript('run scripts/finetune.py on two GPUs with --lr 3e-4, register out/ckpt.pt')).toEqual({
      path: 'scripts/finetune.py',
      args: ['--lr', '3e-4'],
      artifact: 'out/ckpt.pt',
    });
    expect(
      parseScript('python3 ./train.py --epochs=3 --fp16 and register the checkpoint runs/best/'),
    ).toEqual({
      path: 'train.py',
      args: ['--epochs', '3', '--fp16'],
      interpreter: 'python3',
      artifact: 'runs/best/',
    });
    expect(parseScript('predict species from data/penguins.json')).toBeUndefined();
  });

  it('flags: a value is taken unless it is a word of the sentence', () => {
    expect(parseArgs('with --lr 3e-4 and --epochs 2')).toEqual(['--lr', '3e-4', '--epochs', '2']);
    expect(parseArgs('--dry-run and register it')).toEqual(['--dry-run']);
  });
});

describe('text features', () => {
  it.each([
    ["route tickets by their 'body' text into 'queue'", { explicit: ['body'], maybe: [] }],
    ['classify the queue from the body text', { explicit: ['body'], maybe: [] }],
    ['using the body and channel columns, treating body as free text', { explicit: ['body'], maybe: [] }],
    ['predict the genre of movies from their title', { explicit: [], maybe: ['title'] }],
    ['predict species from the penguins data', { explicit: [], maybe: [] }],
    ['a queue classifier where body is a free-text field', { explicit: ['body'], maybe: [] }],
  ])('%s', (text, want) => {
    expect(parseTextFeatures(text)).toEqual(want);
  });
});

describe('round 2: artifacts and text columns in other wordings', () => {
  it('the file a script writes, named after "register the checkpoint"', () => {
    expect(
      parseScript('use tools/fit.py and register the weights it saves to build/model.safetensors')?.artifact,
    ).toBe('build/model.safetensors');
    expect(parseScript('launch tools/fit.py, which writes to runs/last.ckpt')?.artifact).toBe(
      'runs/last.ckpt',
    );
  });

  it('the text, then the column that holds it in brackets', () => {
    expect(
      parseTextFeatures("sort emails by team from each message's wording (the content column)").explicit,
    ).toEqual(['content']);
    expect(
      parseTextFeatures('guess the rating from the review text (summary) and the price').explicit,
    ).toContain('summary');
  });
});

describe('round 2: sizes, counts and registry names around a script', () => {
  it('a size between the count and the cards, gigs, and the file then the name', () => {
    expect(parseResources('launch tools/fit.py on three 40 GB A100s')).toEqual({ gpu: 3, gpuMemory: '40Gi' });
    expect(parseResources('one gpu with 10 gigs')).toEqual({ gpu: 1, gpuMemory: '10Gi' });
    expect(
      parseScript('launch tools/fit.py and register its weights (build/w.bin) as shop-net')?.artifact,
    ).toBe('build/w.bin');
    expect(parseModelName('upload the final build/w.bin into the registry as shop-net')).toBe('shop-net');
    expect(parseModelName('store build/w.bin into the model registry as shop-net')).toBe('shop-net');
  });
});
