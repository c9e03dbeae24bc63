/** Round 8 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../agents/planner/edits.ts';
import { aliasPair, comparedVersion } from '../../../agents/planner/offline/compare.ts';
import { metricMentions, parseGate } from '../../../agents/planner/offline/gate.ts';
import { parseMail } from '../../../agents/planner/offline/mail-words.ts';
import { parseNotify } from '../../../agents/planner/offline/monitoring.ts';
import { parseHoldFor } from '../../../agents/planner/offline/operations.ts';
import { parseModelName, parseRegisterAlias } from '../../../agents/planner/offline/params.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseApprovers } from '../../../agents/planner/offline/resources.ts';
import { parseSchedule } from '../../../agents/planner/offline/schedule.ts';
import { plainRequest } from '../../../agents/planner/surface.ts';

describe('approvers: a possessive is no person, and "both"/"either" lead a list', () => {
  it.each([
    ['fine from our side to ship penguins-species v3, but dana has to approve first', ['dana']],
    ['okay from my end to deploy it; it needs sign-off from ravi', ['ravi']],
    ['deploy churn v4 after both lena and omar have signed off', ['lena', 'omar']],
    ['release it once either kim or joe approves', ['kim', 'joe']],
  ])('%s', (text, names) => {
    expect(parseApprovers(text)).toEqual(names);
  });
  it('a counted noun before the names is no person', () => {
    expect(parseApprovers('before train.py starts on 4 gpus, kim has to approve it')).toEqual(['kim']);
    expect(parseApprovers('it runs with 2 cpus, bob and ana must sign off')).toEqual(['bob', 'ana']);
  });
  it('a possessive alone names no one', () => {
    expect(parseApprovers('ok from my side, ship cars-mpg v2')).toEqual([]);
    expect(parseApprovers('deploy it after approval has been given by me')).toEqual([]);
    expect(parseApprovers('ship it once alice has approved')).toEqual(['alice']);
  });
});

describe('a clock time followed by a colon is no emoji shortcode', () => {
  it.each([
    ['every night 02:45: retrain churn on data/c.csv', '45 2 * * *'],
    ['daily 18:05: score data/q.csv with fraud@production', '5 18 * * *'],
    ['weekdays 07:20: python train.py --epochs 3', '20 7 * * 1-5'],
  ])('%s', (goal, cron) => {
    expect(parseSchedule(plainRequest(goal))?.cron).toBe(cron);
  });
  it('a shortcode is still taken off', () => {
    expect(plainRequest('ship cars-mpg v2 :rocket: thanks :+1:')).toBe('ship cars-mpg v2');
  });
});

describe('a follow-up that names days but no time keeps the time of the schedule there is', () => {
  const edit = (goal: string, then: string) => applyEdit(parseGoal(goal), then).schedule;
  it.each([
    ['retrain churn on data/c.csv every day at 4:30am', 'weekdays only', '30 4 * * 1-5'],
    [
      'score data/q.csv with fraud@production nightly at 11pm',
      'make that Mondays and Thursdays',
      '0 23 * * 1,4',
    ],
    ['refit cars-mpg on data/cars.json daily at 7, Berlin time', 'only on weekends', '0 7 * * 0,6'],
  ])('%s + %s', (goal, then, cron) => {
    expect(edit(goal, then)?.cron).toBe(cron);
  });
  it('keeps the clock it runs by unless the follow-up names one', () => {
    expect(
      edit('refit cars-mpg on data/cars.json daily at 7, Berlin time', 'only on weekends')?.timezone,
    ).toBe('Europe/Berlin');
  });
  it('a follow-up with a time of day takes it', () => {
    expect(edit('retrain churn on data/c.csv every day at 4:30am', 'weekdays at 6pm')?.cron).toBe(
      '0 18 * * 1-5',
    );
  });
});

describe('a gate said as where the metric comes out: "at 0.9 or better"', () => {
  const g = (t: string) => parseGate(t, metricMentions(t));
  it.each([
    ['register it only if the f1 ends up at 0.8 or higher', 'f1_macro', '>=', 0.8],
    ['promote when rmse comes in at 4 or lower', 'rmse', '<=', 4],
    ['keep the new version only if accuracy lands at 85% or better', 'accuracy', '>=', 0.85],
  ])('%s', (text, metric, op, value) => {
    expect(g(text)).toEqual({ kind: 'threshold', metric, op, value });
  });
  it('"at least" and a metric without a number are unchanged', () => {
    expect(g('deploy if accuracy is at least 0.9')).toMatchObject({ op: '>=', value: 0.9 });
    expect(g('report the accuracy at the end')).toBeUndefined();
  });
});

describe("a script's registered name and alias", () => {
  it.each([
    ['python train.py, then register whatever comes out as doc-ranker', 'doc-ranker'],
    ['run scripts/ft.py and register whatever it produces as qa-tuned', 'qa-tuned'],
    ['run tune.sh; publish what came out of it as tiny-bert', 'tiny-bert'],
  ])('%s', (text, name) => {
    expect(parseModelName(text)).toBe(name);
  });
  it.each([
    ['register checkpoints/last.ckpt as a model named doc-tagger in staging', 'staging'],
    ['afterwards publish the out/w.safetensors model called qa-lm in candidate', 'candidate'],
  ])('%s', (text, alias) => {
    expect(parseRegisterAlias(text)).toBe(alias);
  });
  it('an alias is no name, and a sentence end is no path', () => {
    expect(parseModelName('register whatever comes out as staging')).toBeUndefined();
    expect(parseRegisterAlias('register out/ckpt.pt. In staging nothing changes')).toBeUndefined();
  });
});

describe('a deploy watched and reverted on a breach is a promotion, not a rollback now', () => {
  it.each([
    'ship penguins-species v3 to production and watch it for an hour; if the error rate passes 2%, revert to v2',
    'deploy cars-mpg v2, keep an eye on it for 30 minutes and roll back should p99 go above 800 ms',
    'release churn v5 now; when the error rate tops 1% during the next two hours, go back to the previous version',
  ])('%s', (goal) => {
    expect(parseGoal(goal).operation).toBe('promote');
  });
  it('a rollback on a breach of what serves now stays a rollback', () => {
    expect(parseGoal('if p95 of cars-mpg goes above 500 ms, roll it back to v1').operation).toBe('rollback');
    expect(parseGoal('watch cars-mpg for an hour and revert to v1 if the error rate tops 2%').operation).toBe(
      'rollback',
    );
  });
});

describe('two registered versions compared, with no deploy verb, is a comparison only', () => {
  it.each([
    'compare cars-mpg v2 and v1 on data/cars.json, report the rmse of each',
    'benchmark the staging cars-mpg against the production one on data/cars.json; nothing gets shipped',
    'cars-mpg v2 versus production on data/cars.json: which has the lower rmse? do not release anything',
    'how does penguins-species v1 compare to v3? nothing is to be promoted',
  ])('%s', (goal) => {
    expect(parseGoal(goal).operation).toBe('compare');
  });
  it('a new version with an algorithm, or a comparison said against, is no comparison', () => {
    expect(
      parseGoal(
        'a fresh penguins-species version from data/penguins.json with a decision tree; skip comparing it with production',
      ).operation,
    ).toBe('pipeline');
    expect(
      parseGoal(
        'new cars-mpg version from data/cars.json using lasso, no need to benchmark it against the live one',
      ).operation,
    ).toBe('pipeline');
  });
  it('a file to score keeps the scoring', () => {
    expect(
      parseGoal('score data/cars.json with cars-mpg v2 and compare the predictions with v1').operation,
    ).toBe('score');
  });
  it('a deploy verb, or a model to train, keeps its plan', () => {
    expect(parseGoal('compare penguins-species v3 with production and promote it if it wins').operation).toBe(
      'promote',
    );
    expect(
      parseGoal('train a random forest on data/penguins.json and compare it with penguins-species v2')
        .operation,
    ).toBe('pipeline');
  });
  it('"nothing gets deployed" says no deploy', () => {
    expect(parseGoal('compare penguins-species v3 with v2; nothing gets deployed').wants.deploy).toBe(false);
    expect(parseGoal('nothing should be shipped yet, just compare cars-mpg v2 with v1').wants.deploy).toBe(
      false,
    );
  });
});

describe('a #channel told is Slack', () => {
  it.each([
    'deploy churn v2 and let #ml-team know',
    'tell #data once it is done',
    'post the result in #mlops',
    'ping #ml-alerts if the canary regresses',
  ])('%s', (goal) => {
    expect(parseNotify(goal)?.channel).toBe('slack');
  });
  it('a # that is no channel is no notification', () => {
    expect(parseNotify('predict price from data/x.csv using the top #2 features')).toBeUndefined();
  });
});

describe('a registered model said to be retrained already is released, not trained again', () => {
  it.each([
    'release cars-mpg now that it has been retrained',
    "ship penguins-species to prod, it's been retrained",
    'now that cars-mpg was retrained last night, roll it out',
  ])('%s', (goal) => {
    expect(parseGoal(goal).operation).toBe('promote');
  });
  it('a wish to retrain still trains', () => {
    expect(parseGoal('retrain cars-mpg on data/cars.json and release it').operation).toBe('pipeline');
  });
});

describe('mail to the author and named addresses', () => {
  it.each([
    ['deploy churn v2 and email me and ops@acme.io', ['ops@acme.io']],
    ['mail ml@acme.io and me when the retrain is done', ['ml@acme.io']],
    ['e-mail the report to me & lead@acme.io', ['lead@acme.io']],
  ])('%s', (goal, to) => {
    expect(parseMail(goal, false)).toEqual({ to, ccAuthor: true });
  });
  it('addresses alone, or "me" alone, are unchanged', () => {
    expect(parseMail('email ops@acme.io when it is done', false)).toEqual({ to: ['ops@acme.io'] });
    expect(parseMail('email me when it is done', false)).toEqual({});
  });
});

describe('what a comparison is against', () => {
  it.each([
    ['how does cars-mpg v1 stack up against v2?', 2],
    ['put churn v4 head to head with v3', 3],
    ['is fraud version 2 any better than version 1?', 1],
  ])('%s', (text, v) => {
    expect(comparedVersion(text)).toBe(v);
  });
  it.each([
    ['compare the staging and production versions of penguins-species', ['staging', 'production']],
    ['benchmark prod vs candidate for cars-mpg', ['candidate', 'production']],
  ])('%s', (text, pair) => {
    expect(aliasPair(text)).toEqual(pair);
  });
  it('one version or one alias is no pair', () => {
    expect(comparedVersion('compare cars-mpg v2 on data/cars.json')).toBeUndefined();
    expect(aliasPair('compare the staging penguins-species with v1')).toBeUndefined();
  });
  it('"staging and production versions" of a bare name is a comparison', () => {
    expect(
      parseGoal('compare the staging and production versions of penguins-species on data/penguins.json')
        .operation,
    ).toBe('compare');
  });
});

describe('a watch span said right after "watch it"', () => {
  it.each([
    ['put cars-mpg v2 live; watch it 45 minutes and revert if errors top 5%', '45m'],
    ['deploy churn v3 then monitor it two hours', '2h'],
    ['ship fraud v2 and observe it 90 mins, roll back on a p95 over 300 ms', '90m'],
  ])('%s', (text, d) => {
    expect(parseHoldFor(text)).toBe(d);
  });
  it('a span that is a window of traffic is no hold', () => {
    expect(parseHoldFor('watch the last 45 minutes of cars-mpg traffic')).toBeUndefined();
  });
});
