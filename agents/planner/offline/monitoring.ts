/** Drift thresholds and where to send notifications. */
import type { GoalSpec } from '../intent.ts';
import { parseMail } from './mail-words.ts';
import { SHARE, toShare } from './words.ts';

export function parseDrift(goal: string): GoalSpec['drift'] {
  const out: GoalSpec['drift'] = {};
  const num = String.raw`(\d+(?:\.\d+)?|\.\d+)\s*(%|percent)?`;
  // "PSI above 0.2", "PSI thr 0.15", "psi=0.2", "PSI goes over 0.25", "the PSI is greater than .1", "PSI of 0.3".
  const cmp = String.raw`(?:(?:threshold|thresh\.?|thr\.?|limit|cut-?off|alert level)\s+(?:of\s+|at\s+|=\s*|:\s*)?)?(?:(?:is|goes|gets|rises|climbs|jumps|creeps|moves|comes in|ends up)\s+)?(?:above|over|exceeds?|exceeding|greater than|more than|higher than|bigger than|past|beyond|crosses|>=?|≥|=|of|at|reaches|hits|at least)?\s*`;
  const share =
    new RegExp(String.raw`\bdrift(?:ed)?\s+share\s+${cmp}${SHARE}`, 'i').exec(goal) ??
    new RegExp(
      String.raw`\b(?:share|fraction|proportion) of (?:drifted|drifting|shifted) (?:features|columns|variables)\s+${cmp}${SHARE}`,
      'i',
    ).exec(goal) ??
    // "more than 30% of the features drift", "half the columns have drifted", "a third of the inputs shift".
    new RegExp(
      String.raw`\b(?:(?:more than|over|at least|above|upwards of)\s+)?${SHARE}\s+(?:or\s+(?:more|over|above)\s+)?(?:of\s+)?(?:the\s+|all\s+|our\s+|its\s+)?(?:features|columns|variables|inputs|fields)\s+(?:(?:have|has|are|start(?:s)?|show)\s+)?(?:drift|drifts|drifted|drifting|shift|shifts|shifted|shifting|change|changed)\b`,
      'i',
    ).exec(goal);
  const shareValue = toShare(share?.[1]);
  if (shareValue !== undefined && shareValue > 0 && shareValue <= 1) out.datasetShare = shareValue;
  // "PSI with a threshold of 0.2", "PSI, threshold 0.3", "a PSI check with a cutoff at 0.25".
  const psi =
    new RegExp(String.raw`\bpsi\s*${cmp}${num}`, 'i').exec(goal) ??
    new RegExp(
      String.raw`\bpsi(?:\s+(?:check|test|score))?\s*(?:,\s*|\s+with\s+(?:a\s+|an\s+|the\s+)?)(?:threshold|limit|cut-?off|alert level)\s+(?:of\s+|at\s+|=\s*|:\s*)?${num}`,
      'i',
    ).exec(goal);
  if (psi) out.psi = Number(psi[1]);
  const p =
    /\bp[- ]?values?\s+(?:is\s+|goes\s+|drops\s+|falls\s+)?(?:below|under|less than|<=?|of)\s*(\d*\.\d+)/i.exec(
      goal,
    );
  if (p) out.pValue = Number(p[1]);
  const w = new RegExp(String.raw`\bwasserstein(?: distance)?\s*${cmp}${num}`, 'i').exec(goal);
  if (w) out.wasserstein = Number(w[1]);
  const js = new RegExp(String.raw`\bjensen[- ]shannon(?: distance)?\s+${cmp}${num}`, 'i').exec(goal);
  if (js) out.jensenShannon = Number(js[1]);
  return out;
}

const SLACK_CHANNEL =
  /\b(?:let|tell|tells|ping|pings|notify|inform|message|alert|update|post|posts|send|sends|drop|share)\b[^.;]{0,40}?(?<![\w#])#[a-z][\w-]*/i;

export function parseNotify(goal: string): GoalSpec['notify'] {
  // "let #ml know", "tell #data", "post it in #mlops": a #channel is a Slack channel.
  const slack = /\bslack\b/i.exec(goal) ?? SLACK_CHANNEL.exec(goal);
  if (slack) return { channel: 'slack', asked: 'slack' };
  const hook = /\bwebhook\b|\bms teams\b|\bmicrosoft teams\b|\bdiscord\b|\bpagerduty\b|\bopsgenie\b/i.exec(
    goal,
  );
  if (hook) return { channel: 'webhook', asked: hook[0].toLowerCase() };
  // "POST to https://…", "call https://…", "send an alert to https://…": a URL that is called is a webhook.
  if (
    /\b(?:post|posts|posting|send|sends|sending)\s+(?:[\w-]+\s+){0,3}?to\s+<?https?:\/\/|\b(?:call|calls|hit|hits|ping|pings|notify|alert)\s+<?https?:\/\//i.test(
      goal,
    )
  )
    return { channel: 'webhook', asked: 'webhook' };
  // "something that tells us where a car was made": the model's answer, not a message to us.
  const said = goal.replace(
    /\b(?:something|model|classifier|regressor|predictor|thing|tool|system)\s+(?:that|which|to)\s+(?:can\s+|could\s+|will\s+|would\s+)?tells?\s+(?:me|us|them|you)\s+(?=where|which|what|how|whether|who)\b/gi,
    ' ',
  );
  const notified =
    /\b(notify|notifies|notifying|alert|alerts|alerting|tell|tells|telling|ping|pings|pinging|message|messaging|inform|informing|warn|warns|warning|page|paging|text|texting)\s+(?:me|us|the team|the on-?call|someone|ops|whoever)\b|\blet (?:me|us) know\b|\b(?:alert|notify|warn|page)\s+(?:if|when|whenever|once|on|as soon as)\b|\bsend (?:me |us )?(?:an? )?(?:alert|notification|message)\b|\bnotifications?\b/i.test(
      said,
    );
  const mail = parseMail(goal, notified);
  if (mail) return { channel: 'email', asked: 'email', ...mail };
  if (notified) return { channel: 'console', asked: 'notification' };
  return undefined;
}
