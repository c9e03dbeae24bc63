/**
 * Mail words plan notify.send on channel email: recipients when the goal names addresses, otherwise the
 * plan's mail_to input (empty: the person who starts the run). A word "email" that names data is no
 * notification at all.
 */
import { describe, expect, it } from 'vitest';
import { notifyStep, notifyUrl } from '../../../agents/planner/build/steps.ts';
import { parseNotify } from '../../../agents/planner/offline/monitoring.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

describe('mail words → channel email', () => {
  it.each([
    'e-mail me as soon as the scores are written',
    'mailing us whenever the nightly check fails',
    'then mail the weekly summary',
    'please drop me a quick mail once it has finished',
    'send the on-call an e-mail if anything drifts',
    'warn me via e-mail when the null share rises',
    'we want e-mail alerts for every failed run',
    'shoot us an email after the deploy',
    'finish with a short e-mail to the whole team',
    'ping me (e-mail) once the scores land',
  ])('"%s" plans an e-mail to the run author', (goal) => {
    expect(parseNotify(goal)).toEqual({ channel: 'email', asked: 'email' });
  });

  it.each([
    ['e-mail data-eng@corp.example when the retrain ends', ['data-eng@corp.example']],
    [
      'notify Ana.Silva@corp.example and ops+ml@corp.example on drift',
      ['Ana.Silva@corp.example', 'ops+ml@corp.example'],
    ],
    ['mail the metrics to research@lab.example.org', ['research@lab.example.org']],
    [
      'send an email to a@x.example, b@y.example; c@z.example if PSI climbs',
      ['a@x.example', 'b@y.example', 'c@z.example'],
    ],
    ['cc quality@corp.example on the alert', ['quality@corp.example']],
    ['e-mail me at lee@corp.example if it fails', ['lee@corp.example']],
    ['mail us on data-team@corp.example after each run', ['data-team@corp.example']],
  ])('"%s" names its recipients', (goal, to) => {
    expect(parseNotify(goal)).toEqual({ channel: 'email', asked: 'email', to });
  });

  it('keeps Slack and webhooks first, and plain notification words on the run log', () => {
    expect(parseNotify('post to Slack and email me')?.channel).toBe('slack');
    expect(parseNotify('call the webhook and mail the team')?.channel).toBe('webhook');
    expect(parseNotify('let me know when it finishes')?.channel).toBe('console');
  });

  it.each([
    'predict churn from the email column of data/users.csv',
    'guess which channel a ticket came through (email, phone or chat) from its text',
    'train a spam filter on data/emails.csv',
    'use the e-mail domain and signup month as features',
    'drop rows whose email address is empty',
    'which customers signed up via email',
  ])('"%s" is no notification', (goal) => {
    expect(parseNotify(goal)).toBeUndefined();
  });

  it('reads the whole goal the same way', () => {
    expect(
      parseGoal('check data/b.csv against data/a.csv for drift daily and e-mail ml@corp.example').notify,
    ).toEqual({
      channel: 'email',
      asked: 'email',
      to: ['ml@corp.example'],
    });
  });
});

describe('the notify step for e-mail', () => {
  const frame = parseGoal('e-mail me when drift shows up in data/b.csv');

  it('without addresses: a mail_to input, empty by default (the run author)', () => {
    const inputs: Record<string, unknown> = {};
    const step = notifyStep(frame, inputs, 'drift', { text: 'x' });
    expect(step?.with).toMatchObject({ channel: 'email', to: '${{ inputs.mail_to }}' });
    expect(step?.with).not.toHaveProperty('url');
    expect(inputs.mail_to).toMatchObject({ type: 'string', default: '' });
  });

  it('with addresses: the addresses, no input', () => {
    const inputs: Record<string, unknown> = {};
    expect(notifyUrl('email', inputs, ['ml@corp.example'])).toEqual({ to: ['ml@corp.example'] });
    expect(inputs).toEqual({});
  });
});
