/**
 * Mail words: "email me", "mail the team the results", "send an e-mail to ml@acme.io", "alert me by e-mail",
 * "e-mail alerts". "email" as data ("the email column", "(email, chat or web)", "emails.csv", "signed up via
 * email") is not a wish to be mailed. Recipients are the addresses the goal names after a mail or notify word.
 */

/** An e-mail address as people write one in a goal. */
const ADDRESS = String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`;
/** Several addresses: "a@x.io, b@y.io and c@z.io". */
const ADDRESS_LIST = String.raw`${ADDRESS}(?:\s*(?:,|;|&|\band\b|\bor\b)\s*${ADDRESS})*`;
const MAIL = '(?:e-?mail|mail)';
const MAIL_VERB = `${MAIL}(?:s|ed|ing)?`;
/** Who a message goes to. */
const WHOM = String.raw`(?:me|us|myself|ourselves|everyone|someone|ops|whoever|them|him|her|the\s+(?:whole\s+)?(?:team|on-?call|owners?|group|stakeholders|analysts|admins?)|(?:my|our)\s+(?:[\w-]+\s+)?(?:team|manager|boss|lead|group|colleagues)|${ADDRESS})`;
/** Words that make a following "email"/"mail" the message itself, never a column. */
const NOT_DATA = String.raw`(?!\s*(?:column|field|address(?:es)?|domain|body|bodies|subject|text|header|list|data|id)s?\b)`;

const MAIL_PATTERNS = [
  // "email me", "mailing the team", "e-mail ml@acme.io"
  new RegExp(String.raw`\b${MAIL_VERB}\s+${WHOM}\b`, 'i'),
  // "mail the metrics to ml@acme.io", "email a summary to the team"
  new RegExp(String.raw`\b${MAIL_VERB}\s+(?:[\w-]+\s+){1,4}?to\s+${WHOM}\b`, 'i'),
  // "…, then mail the weekly summary", "and email a report": the verb opening a clause.
  new RegExp(
    String.raw`(?:^|[.;,:!?]\s*|\b(?:and|then|also|please|to|plus)\s+)${MAIL}\s+(?:the|a|an|our|my|its|their)\s`,
    'i',
  ),
  // "send me an email", "drop us a quick mail", "send the on-call an e-mail", "shoot an email to …"
  new RegExp(
    String.raw`\b(?:send|sends|sending|drop|shoot|fire off|write)\s+(?:${WHOM}\s+|the\s+[\w-]+\s+)?(?:an?|the|some)?\s*(?:(?:short|quick|brief)\s+)?${MAIL}s?\b${NOT_DATA}`,
    'i',
  ),
  // "e-mail alerts", "an email notification"
  /\be-?mail\s+(?:alerts?|notifications?|notices?|updates?|digests?|reports?|summar(?:y|ies))\b/i,
  // "a short e-mail to the team": a mail that goes to someone is a message, never data.
  new RegExp(String.raw`\b(?:an?|one)\s+(?:(?:short|quick|brief)\s+)?${MAIL}\s+to\s+${WHOM}\b`, 'i'),
];

/** "by e-mail", "via mail", "(e-mail)": the channel of a notification asked for in other words. */
const BY_MAIL = new RegExp(
  String.raw`\b(?:by|via|over|per|through)\s+${MAIL}\b${NOT_DATA}|\(\s*(?:by\s+|via\s+)?${MAIL}\s*\)`,
  'i',
);

/** "notify ml@acme.io", "cc ops@acme.io", "send the results to ml@acme.io": an address as a recipient. */
const ADDRESSED = new RegExp(
  String.raw`\b(?:${MAIL_VERB}|notify|notifying|alert|alerting|tell|ping|message|inform|warn|page|cc|copy|loop in|(?:send|sends|sending|report|forward)\b(?:\s+[\w-]+){0,4}?\s+to)\s+(?:${ADDRESS_LIST})`,
  'i',
);

/** Recipient lists after a mail or notify word, and after "to" once mail is asked for. */
const RECIPIENTS = new RegExp(
  String.raw`\b(?:${MAIL_VERB}|notify|notifying|alert|alerting|tell|ping|message|inform|warn|page|cc|copy|to)\s+(?:(?:me|us)\s+(?:and|&|at|on)\s+)?(${ADDRESS_LIST})`,
  'gi',
);

export interface MailAsk {
  /** Addresses named in the goal, in order, without repeats; absent when none ("mail me"). */
  to?: string[];
  /** The run's author too, beside the addresses: "email me and ops@acme.io", "mail ml@acme.io and me". */
  ccAuthor?: true;
}

/** "me and x@y", "x@y and me", "me & x@y": the author listed with addresses. */
const AUTHOR_AND = new RegExp(
  String.raw`\b(?:me|us|myself)\s*(?:,|&|\band\b|\bplus\b)\s*${ADDRESS}|${ADDRESS}\s*(?:,|&|\band\b|\bplus\b)\s*(?:me|us|myself)\b`,
  'i',
);

/**
 * Whether the goal asks to be mailed. `notified` says the goal asks for a notification in other words
 * ("alert me", "let us know"): then "by e-mail" / "via mail" names its channel.
 */
export function parseMail(goal: string, notified: boolean): MailAsk | undefined {
  const asked =
    MAIL_PATTERNS.some((p) => p.test(goal)) || ADDRESSED.test(goal) || (notified && BY_MAIL.test(goal));
  if (!asked) return undefined;
  const to: string[] = [];
  for (const m of goal.matchAll(RECIPIENTS)) {
    for (const a of (m[1] ?? '').match(new RegExp(ADDRESS, 'g')) ?? []) if (!to.includes(a)) to.push(a);
  }
  if (!to.length) return {};
  return AUTHOR_AND.test(goal) ? { to, ccAuthor: true } : { to };
}
