/** Round 4, scripts and text: a name said after the artifact, an alias after the name, text said in brackets. */
import { describe, expect, it } from 'vitest';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { parseModelName, parseRegisterAlias } from '../../../agents/planner/offline/params.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseScript } from '../../../agents/planner/offline/script.ts';

describe('the registered name said after the artifact path', () => {
  it.each([
    ['register what it writes to out/model.pt as intent-clf', 'intent-clf'],
    ['then register whatever the script saves in runs/best.ckpt as sum-bot', 'sum-bot'],
    ['register the weights it leaves under out/ as my-lora', 'my-lora'],
  ])('%s → %s', (text, name) => {
    expect(parseModelName(text)).toBe(name);
  });

  it('a plain "register it as x" is unchanged, an alias is no name', () => {
    expect(parseModelName('register it as churn-v2')).toBe('churn-v2');
    expect(parseModelName('register what it writes to out/x.pt as staging')).toBeUndefined();
  });
});

describe('the alias said after the name', () => {
  it.each([
    ['register it as support-llm under the staging alias', 'staging', 'support-llm'],
    ['save the model as fraud-x with the candidate alias', 'candidate', 'fraud-x'],
    ['register it as q-router, alias: challenger', 'challenger', 'q-router'],
    ['publish it as t5-small and tag it staging', 'staging', 't5-small'],
  ])('%s', (text, alias, name) => {
    expect(parseRegisterAlias(text)).toBe(alias);
    expect(parseModelName(text)).toBe(name);
  });

  it('no alias where none is said', () => {
    expect(parseRegisterAlias('register it as support-llm')).toBeUndefined();
    expect(parseRegisterAlias('deploy it to staging later')).toBeUndefined();
  });
});

describe('a script pipeline with a schedule and a notification', () => {
  it('keeps both', () => {
    const f = parseGoal(
      'run scripts/train.sh --epochs 3 every monday at 6am and message slack when it finishes',
    );
    expect(f.operation).toBe('script');
    expect(f.schedule?.cron).toBe('0 6 * * 1');
    expect(f.notify?.channel).toBe('slack');
  });
});

describe('a text column said with its treatment in brackets', () => {
  it.each([
    ['features: notes (as text, bag of words) + region', 'notes'],
    ['inputs are description (text; tf-idf) and price', 'description'],
    ['use summary (tf-idf) plus the author', 'summary'],
    ['review [free text, embeddings]', 'review'],
  ])('%s → %s', (text, col) => {
    expect(parseTextFeatures(text).explicit).toEqual([col]);
  });

  it('brackets that say nothing of text name none', () => {
    expect(parseTextFeatures('price (in dollars, rounded) and region').explicit).toEqual([]);
  });
});

describe('names that start like an alias', () => {
  it.each([
    ['register what it writes to out/x.pt as qa-bert', 'qa-bert'],
    ['the checkpoint should be registered as dev-model-2', 'dev-model-2'],
    ['register it as staging-clf', 'staging-clf'],
  ])('%s → name %s, no alias', (text, name) => {
    expect(parseModelName(text)).toBe(name);
    expect(parseRegisterAlias(text)).toBeUndefined();
  });

  it('"alias staging" without a colon', () => {
    expect(parseRegisterAlias('register out/ckpt.pt as tickets-llm, alias staging')).toBe('staging');
  });
});

describe('more text columns', () => {
  it.each([
    ['body holds the message text; learn the queue', 'body'],
    ['notes contains free text', 'notes'],
  ])('%s → %s', (text, col) => {
    expect(parseTextFeatures(text).explicit).toEqual([col]);
  });
});

describe('the output published under a name, in an alias', () => {
  it.each([
    ['publish the output as queue-llm in staging', 'queue-llm', 'staging'],
    ['register the trained weights as ft-small in the candidate slot', 'ft-small', 'candidate'],
    ['save the fine-tuned model as qa-ft', 'qa-ft', undefined],
  ])('%s', (text, name, alias) => {
    expect(parseModelName(text)).toBe(name);
    expect(parseRegisterAlias(text)).toBe(alias);
  });

  it('running somewhere is no alias', () => {
    expect(parseRegisterAlias('run it in dev first, then register it as x')).toBeUndefined();
  });
});

describe('text said as what lies in a column', () => {
  it.each([
    ['route tickets to a queue based on the description in body', 'body'],
    ['use the message in notes to guess the team', 'notes'],
  ])('%s → %s', (text, col) => {
    expect(parseTextFeatures(text).explicit).toEqual([col]);
  });

  it('a column of numbers "in" something is no text', () => {
    expect(parseTextFeatures('the price in dollars').explicit).toEqual([]);
  });
});

describe('"from the X of each Y" may be text', () => {
  it.each([
    ['from the body of each ticket, learn which channel it came through', 'body'],
    ['using the title of every film, guess the genre', 'title'],
  ])('%s → %s', (text, col) => {
    expect(parseTextFeatures(text).maybe).toContain(col);
  });
});

describe('a launcher before the script', () => {
  it.each([
    ['torchrun --nproc_per_node 2 scripts/finetune.py --lr 1e-4 on two gpus', ['--lr', '1e-4']],
    ['accelerate launch --multi_gpu scripts/train.py --epochs 3', ['--epochs', '3']],
  ])('%s: the launcher flags are not the script flags', (text, args) => {
    expect(parseScript(text)?.args).toEqual(args);
  });

  it('without a launcher every flag counts', () => {
    expect(parseScript('with --fp16, run scripts/train.py --epochs 3')?.args).toEqual([
      '--fp16',
      '--epochs',
      '3',
    ]);
  });
});
