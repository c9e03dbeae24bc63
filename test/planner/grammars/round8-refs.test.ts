/** Round 8 references, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';
import { parseRerunReference } from '../../../agents/planner/offline/run-references.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const refs = (text: string) => parseModelReferences(maskModels(text, 'modelfamily'));
const rerun = (text: string) => parseRerunReference(maskModels(text, 'modelfamily'), refs(text));

describe('a model by the alias it is sitting at, said with a state verb', () => {
  it.each([
    ['batch-score tx.json through whichever fraud model is sitting on staging right now', 'staging'],
    ['run q.csv past the churn classifier that is currently parked in staging', 'staging'],
    ['score q.csv using whatever churn-risk is living in prod these days', 'production'],
    ['use the fraud-detector that is sitting on staging to score tx.json', 'staging'],
  ])('%s', (text, alias) => {
    expect(refs(text).find((r) => r.alias)?.alias).toBe(alias);
  });
  it.each([
    ['score q.csv with whichever churn model we have in staging', 'staging'],
    ["batch-predict tx.json with the fraud classifier we've got on staging", 'staging'],
    ['score q.csv with whatever churn-risk has on staging', 'staging'],
    ["use whatever's in staging for churn-risk on q.csv", 'staging'],
  ])('a model someone has at an alias: %s', (text, alias) => {
    expect(refs(text).find((r) => r.alias)?.alias).toBe(alias);
  });
  it.each([
    ['score q.csv with the most recent churn model in staging', 'staging'],
    ['score q.csv with the newest fraud classifier on staging', 'staging'],
  ])('several words before the noun: %s', (text, alias) => {
    expect(refs(text).find((r) => r.alias)?.alias).toBe(alias);
  });
  it.each([
    ['score q.csv with the version of churn-risk that staging points to', 'staging', ['churn-risk']],
    ['score q.csv with whatever prod is pointing at for churn-risk', 'production', []],
    ['ship whatever the beta alias points to on churn-risk', 'beta', []],
  ])('what an alias points to: %s', (text, alias, words) => {
    expect(refs(text).find((r) => r.alias)).toMatchObject({ alias, words });
  });
  it('an intensifier is no name word', () => {
    expect(refs('score q.csv with the very latest churn-risk version')[0]).toMatchObject({
      words: ['churn-risk'],
      qualifier: 'latest',
    });
  });
  it('moving a model to an alias names no model there', () => {
    expect(refs('deploy the churn model to staging').some((r) => r.alias === 'staging')).toBe(false);
  });
});

describe('a model by an alias of any name, said around the name', () => {
  it.each([
    ['promote whatever churn-risk keeps under the beta alias', 'beta', 'churn-risk'],
    ['ship whatever fraud-detector has at the nightly tag to production', 'nightly', 'fraud-detector'],
    ['roll out whatever is tagged blue on churn-risk', 'blue', 'churn-risk'],
    ['deploy whichever version is labelled green in fraud-detector', 'green', 'fraud-detector'],
  ])('%s', (text, alias, name) => {
    const r = refs(text).find((x) => x.alias);
    expect(r).toMatchObject({ alias, words: [name] });
  });
  it.each([
    ['ship churn-risk from the beta alias to production', 'beta'],
    ["deploy what churn-risk's nightly alias points to", 'nightly'],
  ])('an alias after from or a possessive: %s', (text, alias) => {
    expect(refs(text).find((x) => x.alias)).toMatchObject({ alias, words: ['churn-risk'] });
  });
  it('a qualifier word said as an alias is that alias, not "the newest"', () => {
    const r = refs('ship whatever churn-risk has under the candidate alias')[0];
    expect(r?.alias).toBe('candidate');
    expect(r?.qualifier).toBeUndefined();
  });
  it('a candidate without the word alias is no alias', () => {
    expect(refs('promote the candidate churn-risk model')[0]?.alias).toBeUndefined();
  });
});

describe('a version said by its place in order', () => {
  it.each([
    ['score q.csv with the very first churn model', 1, ['churn']],
    ['use the original fraud-detector version on tx.json', 1, ['fraud-detector']],
    ['compare against the earliest churn-risk model', 1, ['churn-risk']],
    ['score q.csv with the third churn model', 3, ['churn']],
  ])('%s', (text, version, words) => {
    expect(refs(text)[0]).toMatchObject({ version, words });
  });
  it.each([
    ['score q.csv with the oldest churn-risk version', 1],
    ["score q.csv with churn-risk's first version", 1],
    ["compare against fraud-detector's second version", 2],
  ])('%s', (text, version) => {
    expect(refs(text)[0]).toMatchObject({ version });
  });
  it('an ordinal alone goes to the model named before it', () => {
    const rs = refs('churn-risk in prod looks off. put the very first version back live.');
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ words: ['churn-risk'], version: 1 });
  });
  it('an ordinal about something else names no version', () => {
    expect(refs('first, score q.csv with the churn model')[0]?.version).toBeUndefined();
    expect(refs('score q.csv with the churn model, first rows only')[0]?.version).toBeUndefined();
  });
});

describe('the rows a version was trained on', () => {
  it.each([
    'drift check churn-risk traffic against the data v3 was trained on',
    'compare churn-risk requests with the rows v3 was fit on',
    'churn-risk: live inputs vs the dataset version 3 was built from',
  ])('%s', (text) => {
    // The served model stays as named; the version is a second reference to the same model.
    const rs = refs(text);
    expect(rs).toHaveLength(2);
    expect(rs[0]?.version).toBeUndefined();
    expect(rs[1]).toMatchObject({ words: ['churn-risk'], version: 3 });
  });
  it.each([
    'drift check churn-risk last 24h vs the training data of v3',
    "compare churn-risk live inputs with v3's training rows",
  ])('%s', (text) => {
    expect(refs(text)).toMatchObject([{ words: ['churn-risk'] }, { words: ['churn-risk'], version: 3 }]);
  });
  it('a data word with a version and no training verb names no model', () => {
    expect(
      refs('score q.csv with churn-risk using the data v2 file').some((r) => r.words.includes('data')),
    ).toBe(false);
  });
});

describe('a past run by how many days ago it ran, or by a failure said in words', () => {
  it.each([
    ['the fraud training from three days ago: run it again with the same settings', 3],
    ['redo the churn job of 4 days ago', 4],
    ['repeat the churn retrain that ran five days ago', 5],
  ])('%s', (text, days) => {
    expect(rerun(text)).toMatchObject({ daysAgo: days });
  });
  it.each([
    'the fraud retrain that blew up last night, start it again please',
    'the churn job which died yesterday evening: kick it off again',
    'the fraud training that fell over yesterday, fire it off once more',
  ])('%s', (text) => {
    expect(rerun(text)).toMatchObject({ day: 'yesterday', status: 'failed' });
  });
  it.each([
    ['rerun the churn job from the day before yesterday', 2],
    ['the fraud training from 3 days back, run it again', 3],
  ])('%s', (text, days) => {
    expect(rerun(text)).toMatchObject({ daysAgo: days });
  });
  it.each([
    ['retry the churn nightly that broke yesterday', 'yesterday'],
    ['the fraud weekly retrain that crashed on monday: rerun it', 'monday'],
  ])('a scheduled run by its cadence: %s', (text, day) => {
    expect(rerun(text)).toMatchObject({ day, status: 'failed' });
  });
  it('a cadence before more words is one of the run words', () => {
    expect(rerun("monday's nightly fraud job crashed, so rerun it")?.words).toContain('fraud');
  });
  it('a day count about data is not the run', () => {
    expect(rerun('rerun the churn training on the data from 3 days ago')?.daysAgo).toBeUndefined();
  });
});

describe('reruns against the populated workspace', () => {
  const planner = populatedPlanner();
  it.each([
    'the penguins training from three days ago: do it again with the same settings',
    'repeat the penguins job of 3 days ago',
  ])('picks the run of that day (%s)', async (goal) => {
    const p = await planner.planOf(goal);
    expect((p.metadata as { basedOn?: { runId?: string } }).basedOn?.runId).toBe(
      planner.ws.facts.runs.penguinsV2.id,
    );
  });
  it.each([
    'rerun the penguins job that failed eight days ago, this time predicting Species',
    'the failed penguins retrain from last week: try again, but the label should be Species',
  ])('an explicit target replaces the run target (%s)', async (goal) => {
    const p = await planner.planOf(goal);
    expect((p.metadata as { basedOn?: { runId?: string } }).basedOn?.runId).toBe(
      planner.ws.facts.runs.failedLastWeek.id,
    );
    expect(taskStep(p, 'train.tabular')?.with.target).toBe('Species');
    expect(JSON.stringify(p.steps)).not.toContain('species_code');
  });
  it('a rerun without a target keeps the run target', async () => {
    const p = await planner.planOf('rerun the penguins job that failed eight days ago');
    expect(taskStep(p, 'train.tabular')?.with.target).toBe('species_code');
  });
  it.each([
    'check drift of penguins-species over the last day against the rows v1 was fit on',
    'penguins-species drift, last 12h of requests vs the training data of version 1',
    'drift of penguins-species traffic against the data its first version learned from',
  ])("drift of the served model against an older version's data (%s)", async (goal) => {
    const p = await planner.planOf(goal);
    expect(taskStep(p, 'model.dataset')?.with.model).toBe('penguins-species:1');
    expect(taskStep(p, 'monitor.traffic')?.with).toMatchObject({ model: 'penguins-species', version: 2 });
  });
  it.each([
    'promote whatever penguins-species keeps under the beta alias',
    'deploy whatever is tagged blue on cars-mpg to production',
  ])('an alias that does not exist is asked about (%s)', async (goal) => {
    const r = await planner.resultOf(goal);
    expect(r.kind).toBe('clarify');
    expect(r.kind === 'clarify' && r.question).toMatch(/staging/);
  });
});
