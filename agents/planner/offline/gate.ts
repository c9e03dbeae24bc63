/**
 * Metrics and gates: "deploy if accuracy >= 0.9", "AUC above 0.8", "unless RMSE exceeds 9", "only if MAE
 * improves", "if it beats the current model". Comparison words depend on the metric: for an error metric
 * better means lower.
 */
import type { Comparator, Gate } from '../intent.ts';
import { NOT_COUNTING, NUMBER, toNumber } from './words.ts';

export const METRICS: [RegExp, string][] = [
  [/\baccuracy\b|\bacc\b/i, 'accuracy'],
  [/\bf1(?:[- ]?score|_macro)?\b|\bf-score\b|\bf-measure\b/i, 'f1_macro'],
  [/\bprecision(?:_macro)?\b/i, 'precision_macro'],
  [/\brecall(?:_macro)?\b/i, 'recall_macro'],
  [/\b(?:roc[-_ ]?)?auc\b|\broc\b|\barea under the curve\b/i, 'roc_auc'],
  [/\blog[- ]?loss\b|\bcross[- ]entropy\b/i, 'log_loss'],
  [/\brmse\b|\broot[- ]mean[- ]squared?[- ]error\b|\bmse\b|\bmean squared error\b/i, 'rmse'],
  [/\bmae\b|\bmean[- ]absolute[- ]error\b/i, 'mae'],
  [/\br2\b|r²|\br-squared\b|\br squared\b|\bcoefficient of determination\b/i, 'r2'],
];
export const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'log_loss']);
const SHARE_METRICS = new Set(['accuracy', 'f1_macro', 'precision_macro', 'recall_macro', 'roc_auc', 'r2']);

// Comparison phrases, by what they mean for the number that follows. "better" / "no worse" depend on the metric:
// for an error metric (RMSE, MAE, log loss) better means lower.
const CMP: [RegExp, Comparator | 'eq' | 'better' | 'no-worse'][] = [
  [
    /^(?:>=|≥|=>|at least|no less than|not (?:less|lower|smaller) than|no (?:lower|smaller) than|minimum(?: of)?|min\.?|at or above|(?:greater|higher|more) than or equal to|not (?:below|under|beneath))$/i,
    '>=',
  ],
  [
    /^(?:>|above|over|greater than|more than|higher than|exceeds?|exceeding|exceeded|surpass(?:es|ing)?|tops?|clears?|beats?|past|in excess of|north of)$/i,
    '>',
  ],
  [
    /^(?:<=|≤|=<|at most|no more than|not (?:more|higher|greater|above) than|no (?:higher|greater|bigger) than|maximum(?: of)?|max\.?|maximal(?:ly)?|at (?:the )?maximum|within|up to|at or below|(?:less|lower|smaller) than or equal to|not (?:above|over)|(?:does not|doesn't|do not|don't|never) (?:exceed|go above|go over|rise above|top)s?)$/i,
    '<=',
  ],
  [/^(?:<|below|under|less than|lower than|smaller than|beneath|south of)$/i, '<'],
  [/^(?:better than|improves? on|beats?)$/i, 'better'],
  [/^(?:no worse than|not worse than|at least as good as|as good as|on par with)$/i, 'no-worse'],
  [/^(?:=|==|:|is|of|reaches|reach|hits?|gets?|equals?|stays|is at|of at|at|to|around|about)$/i, 'eq'],
];
const CMP_WORDS = [
  '>=|≥|=>|<=|≤|=<|>|<|==|=|:',
  'at least|no less than|not (?:less|lower|smaller) than|no (?:lower|smaller) than|minimum(?: of)?|at or above|(?:greater|higher|more) than or equal to|not (?:below|under|beneath)',
  "(?:less|lower|smaller) than or equal to|at or below|at most|no more than|not (?:more|higher|greater|above) than|no (?:higher|greater|bigger) than|maximum(?: of)?|maximal(?:ly)?|at (?:the )?maximum|within|up to|not (?:above|over)|(?:does not|doesn't|do not|don't|never) (?:exceed|go above|go over|rise above|top)s?",
  'no worse than|not worse than|at least as good as|as good as|on par with|better than|improves? on',
  'above|over|greater than|more than|higher than|exceeds?|exceeding|exceeded|surpass(?:es|ing)?|tops?|clears?|beats?|past|in excess of|north of',
  'below|under|less than|lower than|smaller than|beneath|south of',
  'is at|of at|reaches|reach|hits?|gets?|equals?|stays|is|of|at|to|around|about',
].join('|');
/** Verbs that may come between a metric and its comparison: "RMSE drops below 9", "accuracy climbs above 0.8". */
const GATE_VERBS =
  "is|are|was|be|must|should|will|would|still|stays?|remains?|reaches|goes|gets|comes in|drops?|dropped|falls?|fell|dips?|dipped|sinks?|rises?|rose|climbs?|moves?|lands?|ends up|scores?|measures?|comes out|sits?|keeps?|doesn't|does not|do not|don't|never|can|cannot|can't|actually|really";

function comparator(word: string, metric: string): Comparator | 'eq' | undefined {
  const w = word.trim().replace(/\s+/g, ' ');
  const lower = LOWER_IS_BETTER.has(metric);
  for (const [re, c] of CMP) {
    if (!re.test(w)) continue;
    if (c === 'better') return lower ? '<' : '>';
    if (c === 'no-worse') return lower ? '<=' : '>=';
    return c;
  }
  return undefined;
}

/** "deploy unless RMSE exceeds 9", "don't ship if accuracy is below 0.8": the condition blocks, so flip it. */
function negated(before: string): boolean {
  return /\b(?:unless|except (?:if|when)|(?:don't|do not|never|not|no|won't|shouldn't|should not)\s+(?:\w+\s+){0,3}?(?:if|when|whenever|should|in case))\s+(?:the\s+|its\s+|the model's\s+|our\s+)?(?:\w+\s+)?$/i.test(
    before,
  );
}

/** "If r2 < 0.5, do not register it": a condition opening its clause, then the step it blocks ("register only if …, do not deploy" keeps its condition). */
function blocksAfter(before: string, rest: string): boolean {
  return (
    /(?:^|[.;:!?,(]\s*|\s-\s+|\b(?:then|and|but)\s+)(?:if|when|whenever|should)\s+(?:the\s+|its\s+|the model's\s+|our\s+)?(?:\w+\s+)?$/i.test(
      before,
    ) &&
    /^\s*(?:[,;:]|\s-)?\s*(?:then\s+)?(?:please\s+)?(?:do not|don't|dont|never|skip|don't bother to)\b/i.test(
      rest,
    )
  );
}

const FLIP: Record<Comparator, Comparator> = { '>=': '<', '>': '<=', '<=': '>', '<': '>=' };

interface MetricMention {
  metric: string;
  at: number;
  end: number;
}

export function metricMentions(goal: string): MetricMention[] {
  const out: MetricMention[] = [];
  for (const [re, metric] of METRICS) {
    for (const m of goal.matchAll(new RegExp(re.source, 'gi'))) {
      out.push({ metric, at: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

const DIGIT_WORDS = 'zero|oh|one|two|three|four|five|six|seven|eight|nine';
/**
 * A threshold as said: "0.8", ".8", "12", "twelve", "twenty-five", "zero point seven", "point eight five"; group 1
 * holds the number, group 2 a percent sign or word. Counting words ("a", "both", "a couple") are no threshold.
 */
export const NUM = String.raw`${NOT_COUNTING}((?:(?:zero|oh|nought)\s+)?point(?:\s+(?:${DIGIT_WORDS}))+\b|\.\d+|(?:${NUMBER.slice(1, -1)})(?!(?<=[a-z])[a-z]))\s*(%|percent)?(?!\s*(?:folds?|runs?|models?|epochs?|trials?|versions?|times|rows|decimals?|days?|weeks?|hours?|minutes?)\b)`;
const DIGIT_OF: Record<string, string> = { zero: '0', oh: '0', nought: '0' };

/** "zero point seven five" → 0.75, "twelve" → 12, "0.8" → 0.8. */
export function spokenNumber(raw: string): number {
  const w = raw.toLowerCase().trim();
  const point = /^(?:(?:zero|oh|nought)\s+)?point\s+(.+)$/.exec(w);
  if (point) {
    const digits = (point[1] as string).split(/\s+/).map((d) => DIGIT_OF[d] ?? String(toNumber(d)));
    return Number(`0.${digits.join('')}`);
  }
  return toNumber(w) ?? Number.NaN;
}

function thresholdValue(metric: string, raw: string, percent: boolean): number {
  const n = spokenNumber(raw);
  if (SHARE_METRICS.has(metric) && (percent || n > 1)) return n / 100;
  return n;
}

/**
 * Production said as a clause: "what's live", "what is currently deployed", "whatever's in production",
 * "whatever prod is serving right now", "whatever production is running today".
 */
export const PROD_CLAUSE = String.raw`(?:what(?:'s|\s+is|ever\s+is)|whatever'?s|whatever\s+(?:production|prod)\s+is)\s+(?:currently\s+|now\s+)?(?:in\s+(?:production|prod|use)|live|deployed|serving|running(?:\s+in\s+(?:production|prod))?)(?:\s+(?:right\s+now|now|today|at\s+the\s+moment))?`;

/** "if it's better", "only if it beats what's live": a champion gate said casually (a number, if any, wins). */
const CASUAL_IMPROVE = new RegExp(
  String.raw`\b(?:(?:beats?|better\s+than|outperforms?)\s+${PROD_CLAUSE}|(?:if|when|once|provided|assuming)\s+(?:it'?s|it\s+is|its|it\s+does|it\s+performs|it\s+scores|(?:the\s+)?new\s+(?:one|model)\s+is)\s+better|(?:if|when|once|provided|assuming)\s+(?:it|the\s+new\s+(?:one|model|version)|the\s+challenger)\s+wins)\b`,
  'i',
);

/** "no worse than what we have", "at least as good as production": a champion gate a tie passes. */
const CURRENT_MODEL =
  "(?:what(?:'s|\\s+is)?\\s+(?:we\\s+(?:have|run|use)|(?:currently\\s+)?(?:live|deployed|serving|in\\s+(?:production|prod|use)))|whatever'?s\\s+(?:live|deployed)|(?:the\\s+|our\\s+)?(?:current|production|prod|live|deployed|existing|old|incumbent|champion)(?:\\s+(?:model|version|one))?(?:\\s+in\\s+(?:production|prod))?|(?:the\\s+)?(?:model|version|one)\\s+(?:in|on)\\s+(?:production|prod)|production|prod)";
const NOT_WORSE = new RegExp(
  String.raw`\b(?:(?:is\s+|it'?s\s+)?(?:no|not)\s+worse\s+than|(?:is\s+)?(?:at\s+least\s+)?as\s+good\s+as|(?:does|do|performs?|scores?)\s+(?:at\s+least\s+)?as\s+well\s+as|(?:performs?\s+|is\s+)?on\s+par\s+with|(?:matches|equals)|(?:doesn'?t|does\s+not)\s+(?:do|perform|score)\s+worse\s+than)\s+${CURRENT_MODEL}\b`,
  'i',
);

/** "the error rate stays under 8%", "less than 3% error", "misclassification rate at most 0.1". */
const ERROR_WORDS = String.raw`(?:(?:classification|prediction|test|overall)\s+)?(?:error[- ]rate|misclassification(?:[- ]rate)?|classification error)`;
const MIRROR: Record<Comparator, Comparator> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** A limit on the classification error, as the accuracy gate it means (accuracy = 1 − error rate). */
function errorRateGate(goal: string): Gate | undefined {
  const after = new RegExp(
    String.raw`\b${ERROR_WORDS}\s+(?:(?:${GATE_VERBS}|be)\s+){0,3}?(${CMP_WORDS})\s*${NUM}`,
    'i',
  ).exec(goal);
  const before = after
    ? undefined
    : new RegExp(String.raw`\b(${CMP_WORDS})\s+${NUM}\s+(?:of\s+)?(?:errors?|${ERROR_WORDS})\b`, 'i').exec(
        goal,
      );
  const m = after ?? before;
  if (!m) return undefined;
  const said = comparator(m[1] as string, 'mae');
  let op: Comparator = said === undefined || said === 'eq' ? '<=' : said;
  if (negated(goal.slice(Math.max(0, m.index - 40), m.index))) op = FLIP[op];
  const share = thresholdValue('accuracy', m[2] as string, !!m[3]);
  if (share <= 0 || share >= 1) return undefined;
  return {
    kind: 'threshold',
    metric: 'accuracy',
    op: MIRROR[op],
    value: Number((1 - share).toFixed(6)),
    errorRate: share,
  };
}

/** The production model as "the one/version/model (that is) (currently) in prod", "the one that is live". */
const PROD_ONE = String.raw`(?:the|whatever)\s+(?:one|version|model)\s+(?:that\s+)?(?:is\s+|'s\s+)?(?:currently\s+|now\s+)?(?:(?:in|on)\s+(?:production|prod)|live|serving)`;

export function parseGate(goal: string, mentions: MetricMention[], trains = true): Gate | undefined {
  const gate = parseMetricGate(goal, mentions);
  if (gate?.kind === 'threshold' || !trains) return gate;
  return errorRateGate(goal) ?? gate;
}

function parseMetricGate(goal: string, mentions: MetricMention[]): Gate | undefined {
  let gate: Gate | undefined;
  for (const mention of mentions) {
    const after = goal.slice(mention.end, mention.end + 60);
    const m = new RegExp(
      String.raw`^\s*(?:score\s+|value\s+|of the model\s+|on (?:the\s+)?(?:test|hold-?out|validation|eval(?:uation)?) (?:set|data|split|rows)\s+)?(?:(?:${GATE_VERBS})\s+){0,3}?(${CMP_WORDS})\s*(?:of\s+|to\s+)?${NUM}(\s*or\s+(?:more|higher|better|above|greater|less|lower|below|fewer|smaller|worse))?`,
      'i',
    ).exec(after);
    const before = goal.slice(Math.max(0, mention.at - 40), mention.at);
    const flip = negated(before);
    const pre = new RegExp(
      String.raw`(?:^|\s)(?:(${CMP_WORDS})\s+)?(?:an?\s+)?${NUM}\s+(?:or\s+(more|higher|better|above|greater|less|lower|below|smaller|fewer)\s+)?(?:(?:test|hold-?out|validation|macro|mean|overall)\s+)?$`,
      'i',
    ).exec(before);
    const lower = LOWER_IS_BETTER.has(mention.metric);
    if (m) {
      let op = comparator(m[1] as string, mention.metric);
      const tail = (m[4] ?? '').toLowerCase();
      if (/more|higher|above|greater/.test(tail) || (/better/.test(tail) && !lower)) op = '>=';
      else if (/less|lower|below|fewer|smaller/.test(tail) || (/better/.test(tail) && lower)) op = '<=';
      if (op === 'eq' || op === undefined) op = lower ? '<=' : '>=';
      gate = {
        kind: 'threshold',
        metric: mention.metric,
        op: flip || blocksAfter(before, after.slice(m[0].length)) ? FLIP[op] : op,
        value: thresholdValue(mention.metric, m[2] as string, !!m[3]),
      };
      continue;
    }
    if (pre) {
      const said = pre[1] ? comparator(pre[1], mention.metric) : undefined;
      const tail = (pre[4] ?? '').toLowerCase();
      let op: Comparator;
      if (said && said !== 'eq') op = said;
      else if (/more|higher|above|greater/.test(tail) || (/better/.test(tail) && !lower)) op = '>=';
      else if (/less|lower|below|fewer|smaller/.test(tail) || (/better/.test(tail) && lower)) op = '<=';
      else op = lower ? '<=' : '>=';
      gate = {
        kind: 'threshold',
        metric: mention.metric,
        op: flip ? FLIP[op] : op,
        value: thresholdValue(mention.metric, pre[2] as string, !!pre[3]),
      };
    }
  }
  const improve =
    new RegExp(
      String.raw`\b(improves?|improved|improvement|improving|(?:is|does|performs|scores)\s+better|better than (?:the )?(?:current|production|last|previous|old|existing|champion|baseline|deployed)|beats? (?:the )?(?:current|production|last|previous|old|existing|champion|baseline|deployed)|outperforms?|(?:better than|beats?)\s+${PROD_ONE})\b`,
      'i',
    ).exec(goal) ?? (gate ? null : CASUAL_IMPROVE.exec(goal));
  if (improve && (!gate || (improve.index ?? 0) > goal.search(new RegExp(String.raw`\d|\b${NUM}`, 'i')))) {
    const near = [...mentions].reverse().find((mm) => Math.abs(mm.at - (improve.index ?? 0)) < 40);
    const by = /\bby\s+(?:at\s+least\s+)?(\d+(?:\.\d+)?|\.\d+)\s*(%|percent)?/i.exec(
      goal.slice(improve.index ?? 0, (improve.index ?? 0) + 40),
    );
    const metric = near?.metric;
    const minDelta = by ? thresholdValue(metric ?? 'accuracy', by[1] as string, !!by[2]) : undefined;
    if (!gate || near)
      gate = {
        kind: 'improve',
        ...(metric ? { metric } : {}),
        ...(minDelta !== undefined ? { minDelta } : {}),
      };
  }
  // A number said with it ("accuracy at least 0.9 and no worse than prod") stays the gate.
  const tie = NOT_WORSE.exec(goal);
  if (tie && gate?.kind !== 'threshold') {
    const near = [...mentions].reverse().find((mm) => Math.abs(mm.at - tie.index) < 40);
    return { kind: 'improve', noWorse: true, ...(near ? { metric: near.metric } : {}) };
  }
  return gate;
}

const PROD_WORDS = '(?:production|prod|current|deployed|live|champion|incumbent|serving)';
/**
 * Opting out of champion/challenger: "no need to benchmark it against the current one", "skip the
 * head-to-head", "don't benchmark it against prod", "without a bake-off", "no A/B against the incumbent".
 */
export const CHAMPION_OPT_OUT = new RegExp(
  String.raw`\b(?:no\s+need\s+(?:to|for)|don'?t|do\s+not|without|skip(?:ping)?|never|no|forget|leave\s+out|drop)\s+(?:\w+\s+){0,2}?(?:benchmark\w*|head[- ]to[- ]head|bake[- ]?off|shoot[- ]?out|a/?b\b|side[- ]by[- ]side|champion[/ -]challenger|comparing|comparison|compare\s+(?:it|them)|test(?:ing)?\s+(?:it\s+)?against|measur\w+\s+(?:it\s+)?against)|\b(?:regardless\s+of|ignore|ignoring)\s+(?:how\s+)?(?:the\s+)?${PROD_WORDS}\b|\b(?:benchmark(?:ing)?|comparison|head[- ]to[- ]head|bake[- ]?off)\s+(?:is\s+|are\s+)?(?:not\s+|n'?t\s+)(?:needed|necessary|required|wanted)\b|\b(?:benchmark(?:ing)?|comparison|head[- ]to[- ]head)\s+(?:is\s+)?unnecessary\b`,
  'i',
);

/** "compare against the production penguins model": a comparison with production, not between new models. */
export const VS_PRODUCTION_MODEL = new RegExp(
  String.raw`\b(?:compar\w*|benchmark\w*|side\s+by\s+side)\s+(?:\S+\s+){0,4}?(?:against|with|to)\s+(?:(?:the\s+|our\s+)?${PROD_WORDS}\b|${PROD_CLAUSE})`,
  'i',
);
