/** How rows are held out: test shares in the ways people say them, folds, split methods, seeds. */
import { parseLatestHoldout } from './split-latest.ts';
import { purposeValidation } from './split-purpose.ts';
import { NUMBER, SHARE, toNumber, toShare } from './words.ts';

const ROWS = String.raw`(?:of\s+(?:the\s+|all\s+)?(?:(?:earlier|older|oldest|later|newer|newest|latest|remaining|other|first|last|training)\s+)?(?:rows|data(?:set)?|records|samples|observations|examples)\s+(?:(?:of|in|from)\s+\S+\.(?:csv|tsv|json|jsonl|ndjson|parquet)\s+)?)?`;
// "90% test accuracy" is a gate, not a split.
const TEST_NOUN = String.raw`(?:hold-?out|held-?out|test(?:ing)?|validation|evaluation|eval)(?!\s+(?:accuracy|f1|precision|recall|auc|roc|rmse|mae|mse|r2|r²|error|score|loss|metric)s?\b)`;
const SET_ASIDE =
  'hold|holds|holding|held|keep|keeps|keeping|kept|set|sets|setting|put|puts|putting|leave|leaves|leaving|left|reserve|reserves|reserving|reserved|carve|carves|carving|carved|save|saves|saving|saved';
const SET_ASIDE_PARTICIPLE = 'held|kept|set|put|left|reserved|carved|saved|withheld';

/**
 * The share of rows kept for testing, in the ways people say it: "hold out 20%", "25% held out", "hold back a
 * quarter of the rows", "reserve fifteen percent for validation", "use 0.1 as the test set", "a 30% test split",
 * "test size 0.2", "an 80/20 split", "split 70:30". The last mention wins.
 */
/** "ninety/ten" → "90/10", "seventy/fifteen/fifteen" → "70/15/15". */
function ratioDigits(text: string): string {
  return text.replace(
    new RegExp(String.raw`\b${NUMBER}((?:\s*[/:]\s*${NUMBER.replace('(', '(?:')})+)\b`, 'gi'),
    (all: string) =>
      /[a-z]/i.test(all) ? all.replace(/[a-z]+(?:[- ][a-z]+)?/gi, (w) => String(toNumber(w) ?? w)) : all,
  );
}

export function parseTestShare(said: string): number | undefined {
  const text = ratioDigits(said);
  const hits: { at: number; share: number | undefined }[] = [];
  const collect = (re: RegExp, read: (m: RegExpMatchArray) => number | undefined) => {
    for (const m of text.matchAll(re)) hits.push({ at: m.index ?? 0, share: read(m) });
  };
  // A bare count ("3 validation folds") is not a share: only percents, fractions and decimals below 1.
  const strict = (raw: string | undefined) =>
    raw && (/%|per ?cent|half|third|quarter|fourth|fifth|tenth/i.test(raw) || Number(raw) < 1)
      ? toShare(raw)
      : undefined;
  collect(
    new RegExp(
      String.raw`\b(?:${SET_ASIDE})\s+(?:out|back|aside|apart|off)\s+(?:of\s+)?(?:the\s+|another\s+)?${SHARE}`,
      'gi',
    ),
    (m) => toShare(m[1]),
  );
  collect(
    new RegExp(
      String.raw`\b(?:${SET_ASIDE}|use|uses|using)\s+(?:(?:out|back|aside|apart)\s+)?(?:the\s+)?${SHARE}\s+${ROWS}(?:(?:out|back|aside|apart)\s+)?(?:as|for)\s+(?:a\s+|the\s+)?${TEST_NOUN}`,
      'gi',
    ),
    (m) => strict(m[1]),
  );
  collect(
    new RegExp(
      String.raw`\b(?:${SET_ASIDE})\s+(?:the\s+)?${SHARE}\s+${ROWS}(?:out|back|aside|apart)\b`,
      'gi',
    ),
    (m) => strict(m[1]),
  );
  collect(
    new RegExp(
      String.raw`${SHARE}\s+${ROWS}(?:(?:is|are|being|gets?|to be|(?:should|must|will|shall|can|needs?\s+to|is\s+to|are\s+to)\s+be)\s+)?(?:${SET_ASIDE_PARTICIPLE})\s*(?:out|back|aside|apart)?\b`,
      'gi',
    ),
    (m) => strict(m[1]),
  );
  collect(
    new RegExp(String.raw`${SHARE}\s+${ROWS}(?:(?:as|for)\s+(?:a\s+|the\s+)?)?${TEST_NOUN}\b`, 'gi'),
    (m) => strict(m[1]),
  );
  collect(
    new RegExp(
      String.raw`\b(?:test(?:ing)?|hold-?out|validation)\s+(?:share|size|split|set|fraction|ratio|portion|part)?\s*(?:of\s+|=\s*|is\s+|:\s*|at\s+)?${SHARE}`,
      'gi',
    ),
    (m) => strict(m[1]),
  );
  collect(new RegExp(String.raw`\btest\s+on\s+${SHARE}\s+${ROWS}`, 'gi'), (m) => strict(m[1]));
  // "a held-out quarter", "a test fifth".
  collect(/\b(?:held[- ]?out|hold[- ]?out|test)\s+(half|third|quarter|fifth|tenth)\b/gi, (m) =>
    toShare(m[1]),
  );
  // "split it in half", "halve the rows into train and test".
  collect(
    /\bsplit\w*\s+(?:\S+\s+){0,3}?(?:in|into)\s+(?:two\s+)?halves\b|\bsplit\w*\s+(?:\S+\s+){0,3}?in\s+half\b|\b50\s*\/\s*50\b/gi,
    () => 0.5,
  );
  // "80/20 split", "a 75-25 train/test split", "split 70:30".
  collect(
    /\b(\d{1,2})\s*[/:-]\s*(\d{1,2})\s+(?:train[/ -]?test\s+)?split\b|\bsplit\s+(?:it\s+|the (?:data|rows)\s+|\S+\.(?:csv|tsv|json|ndjson|jsonl|parquet)\s+)?(?:into\s+)?(\d{1,2})\s*[/:-]\s*(\d{1,2})\b(?!\s*[/:-]\s*\d)/gi,
    (m) => {
      const a = Number(m[1] ?? m[3]);
      const b = Number(m[2] ?? m[4]);
      return a + b === 100 ? b / 100 : undefined;
    },
  );
  // "split it into train and test, 75/25": a ratio that sums to 100, near words of splitting.
  if (/\b(?:split|train|test|hold|held)\w*\b/i.test(text))
    collect(/\b(\d{1,2})\s*%?\s*[/:]\s*(\d{1,2})\b%?(?!\s*[/:]\s*\d)/g, (m) => {
      const a = Number(m[1]);
      const b = Number(m[2]);
      return a + b === 100 && a > 0 && b > 0 ? b / 100 : undefined;
    });
  // "a 0.75/0.25 split", "an 8:2 split", "4:1 into train and test": decimals summing to 1, small ratios.
  if (/\b(?:split|train|test|hold|held|ratio)\w*\b/i.test(text))
    collect(
      new RegExp(
        String.raw`(?<![\d.:/-])${PART_NUMBER}\s*([/:])\s*${PART_NUMBER}(?![\d.]*\d|\s*[/:]\s*\d)`,
        'g',
      ),
      (m) => {
        const shares = ratioShares([Number(m[1]), Number(m[3])], m[2] === ':');
        return shares && Number(m[1]) + Number(m[3]) !== 100 ? shares[1] : undefined;
      },
    );
  const last = hits
    .filter((h) => h.share !== undefined)
    .sort((a, b) => a.at - b.at)
    .pop();
  return last?.share;
}

/** Parts of a whole: percents (sum 100), decimals (sum 1) or a ratio written with colons ("8:1:1"). */
function ratioShares(parts: number[], colon: boolean): number[] | undefined {
  const sum = parts.reduce((a, b) => a + b, 0);
  if (parts.some((p) => !(p > 0))) return undefined;
  const whole = [100, 10, 1].some((w) => Math.abs(sum - w) < 1e-9);
  const ratio =
    colon &&
    parts.every((p) => Number.isInteger(p)) &&
    sum <= 20 &&
    (parts[0] as number) > (parts[1] as number);
  return whole || ratio ? parts.map((p) => Math.round((p / sum) * 1000) / 1000) : undefined;
}

const PART_NUMBER = String.raw`(\d{1,2}(?:\.\d+)?|0?\.\d+)`;

/**
 * A three-way split: "80/10/10 into train, validation and test", "70-15-15 split", "8:1:1", "0.8/0.1/0.1".
 * Shares of validation and test.
 */
export function parseThreeWay(said: string): { validationShare: number; testShare: number } | undefined {
  const text = ratioDigits(said);
  const m = new RegExp(
    String.raw`(?<![\d.])${PART_NUMBER}\s*([/:-])\s*${PART_NUMBER}\s*\2\s*${PART_NUMBER}(?![\d.]*\d)`,
  ).exec(text);
  if (!m) return undefined;
  const shares = ratioShares([Number(m[1]), Number(m[3]), Number(m[4])], m[2] === ':');
  if (!shares) return undefined;
  const [, b, c] = shares as [number, number, number];
  // The order is the one written, train first; "… into train, test and validation" swaps the last two.
  const testFirst = /\btrain\w*\s*,\s*test\w*\s*,?\s*(?:and\s+)?validat/i.test(text);
  return testFirst ? { testShare: b, validationShare: c } : { validationShare: b, testShare: c };
}

const VALIDATION_NOUN = String.raw`(?:validation|validating|val|dev|development)`;
const TEST_ONLY_NOUN = String.raw`(?:test(?:ing)?|hold-?out|held-?out)`;
const PART = String.raw`(?:\s+(?:set|split|part|portion|share|data|rows))?`;

/**
 * Validation and test shares named one by one: "carve out 10% validation and 10% test", "15% for validation,
 * 15% for testing", "validation 0.1, test 0.2", "a tenth each for validation and test". Only when both are
 * named; a lone "20% for validation" stays the held-out share (parseTestShare).
 */
export function parseNamedShares(text: string): { validationShare: number; testShare: number } | undefined {
  const each = new RegExp(
    String.raw`${SHARE}\s+${ROWS}(?:each|apiece)\s+(?:for|as|to)\s+(?:the\s+)?(?:${VALIDATION_NOUN}|${TEST_ONLY_NOUN})${PART}\s+(?:and|&|\+|plus)\s+(?:the\s+)?(?:${VALIDATION_NOUN}|${TEST_ONLY_NOUN})\b`,
    'i',
  ).exec(text);
  const both = toShare(each?.[1]);
  if (both !== undefined && both > 0 && both < 0.5) return { validationShare: both, testShare: both };
  const found: { validation?: number; test?: number } = {};
  const take = (noun: string, raw: string | undefined) => {
    const share =
      raw && (/%|per ?cent|half|third|quarter|fourth|fifth|tenth/i.test(raw) || Number(raw) < 1)
        ? toShare(raw)
        : undefined;
    if (share === undefined || share <= 0 || share >= 1) return;
    const kind = new RegExp(String.raw`^${VALIDATION_NOUN}$`, 'i').test(noun) ? 'validation' : 'test';
    found[kind] ??= share;
  };
  for (const m of text.matchAll(
    new RegExp(
      String.raw`${SHARE}\s+${ROWS}(?:(?:as|for|to)\s+(?:a\s+|the\s+)?)?(${VALIDATION_NOUN}|${TEST_ONLY_NOUN})\b(?!\s+(?:accuracy|f1|precision|recall|auc|rmse|mae|r2|error|score|loss)s?\b)`,
      'gi',
    ),
  ))
    take(m[2] as string, m[1]);
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(${VALIDATION_NOUN}|${TEST_ONLY_NOUN})(?:\s+(?:share|size|set|split|fraction|ratio|portion|part))?\s*(?:of\s+|=\s*|is\s+|:\s*|at\s+)?${SHARE}`,
      'gi',
    ),
  ))
    take(m[1] as string, m[2]);
  // "20% should be kept back for testing", "a tenth is to be set aside for validation".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`${SHARE}\s+${ROWS}(?:(?:should|must|will|shall|is|are|can|needs?\s+to|(?:is|are)\s+to)\s+(?:be\s+)?)?(?:${SET_ASIDE_PARTICIPLE})\s+(?:back|aside|out|apart)?\s*(?:for|as)\s+(?:the\s+)?(${VALIDATION_NOUN}|${TEST_ONLY_NOUN})\b`,
      'gi',
    ),
  ))
    take(m[2] as string, m[1]);
  return found.validation !== undefined && found.test !== undefined
    ? { validationShare: found.validation, testShare: found.test }
    : undefined;
}

const TIME_COLUMN = String.raw`(?:[\w-]+\s+)?(?:date|dates|time|timestamp|datetime|year|month|week|day)|created(?:_at| at| date)?|timestamp`;

/** A word between "split" and "by date" ("split it 70/15/15 into train, validation and test by date"), not the next step's. */
const SPLIT_WORD = String.raw`(?!(?:then|fit|fitting|predict\w*)\b|train(?:ing)?\s+(?:on|a|an|the|it|with)\b)(?:[^\s.;!?]|\.(?=\S))+`;

/** A split in time: "a time-based split", "split x.csv by date", "split on the order date", "before 2015 for training". */
export function parseTimeSplit(text: string): { column?: string } | undefined {
  const generic =
    /\b(?:time|temporal|chronological|date)[- ]?(?:based\s+|ordered\s+|wise\s+)?split\b|\bsplit\w*\s+(?:\S+\s+){0,4}?(?:chronologically|in (?:time|date|chronological) order|by (?:time|date) order|ordered by (?:time|date)|by time|over time)\b|\b(?:out[- ]of[- ]time|no peeking|train on (?:the )?(?:past|earlier)|test on (?:the )?(?:later|latest|most recent))\b/i.test(
      text,
    );
  const by = new RegExp(
    String.raw`\bsplit\w*\s+(?:${SPLIT_WORD}\s+){0,10}?(?:by|on|along|at|using)\s+(?:the\s+|its\s+|their\s+)?["'\x60]?(${TIME_COLUMN})\b`,
    'i',
  ).exec(text);
  const cut =
    /\b(?:before|until|up to|prior to|through)\s+(?:\d{4}-\d{2}-\d{2}|\d{4})\s+(?:(?:is|are|goes|go)\s+(?:for\s+|as\s+|to\s+|into\s+)?|(?:for|as|to|into)\s+)(?:the\s+)?train\w*|\btrain\w*\s+on\s+(?:\w+\s+){0,3}?(?:before|until|up to|prior to)\s+(?:\d{4}-\d{2}-\d{2}|\d{4})\b/i.test(
      text,
    );
  // "rows after 2014 as the test set", "2015 onwards for testing".
  const after =
    /\b(?:after|from|since)\s+(?:\d{4}-\d{2}-\d{2}|\d{4})(?:\s+(?:on|onwards?))?\s+(?:(?:is|are|goes|go)\s+)?(?:for|as|to|into)\s+(?:the\s+)?(?:test|hold-?out|validation)\w*/i.test(
      text,
    );
  // "everything from 2014 onward is held out", "test set = rows after 2015-06-30", "test on 2015".
  const DAY = String.raw`(?:\d{4}-\d{2}-\d{2}|\d{4})`;
  const period = new RegExp(
    [
      String.raw`\b(?:after|from|since)\s+${DAY}(?:\s+(?:on|onwards?))?\s+(?:(?:is|are|gets?)\s+)?(?:held[- ]?out|kept (?:back|aside)|set aside|(?:the\s+)?test(?:\s+set)?\b|for test\w*)`,
      String.raw`\btest(?:\s+set|\s+rows)?\s*(?:=|:|is|are)\s*(?:the\s+)?(?:rows|data|records)?\s*(?:after|from|since)\s+${DAY}`,
      String.raw`\btest\w*\s+on\s+(?:the\s+)?(?:year\s+)?${DAY}\b`,
    ].join('|'),
    'i',
  ).test(text);
  if (!generic && !by && !cut && !after && !period) return undefined;
  // "split by time on year": the column after the generic word.
  const onColumn =
    /\b(?:by|on|along|using|over)\s+(?:time|date)\s+(?:on|by|using|along|over)\s+(?:the\s+|its\s+)?["'\x60]?([\w-]+)/i.exec(
      text,
    );
  const column = (onColumn?.[1] ?? by?.[1])?.trim();
  return column && !/^(?:the\s+)?(?:date|dates|time)$/i.test(column) ? { column } : {};
}

/**
 * The date the test rows start at: "2015 onward as test", "test on 2015", "cutoff 2014-06-01". A date said with
 * a test word wins over one said with a row filter ("keep data from 2003 onwards, … 2015 on as test" → 2015).
 */
function testCutoff(text: string): string | undefined {
  let best: { day: string; score: number } | undefined;
  for (const m of text.matchAll(
    /\b(?:before|after|from|since|cutoff(?: of| at)?|cut off at)\s+(\d{4}-\d{2}-\d{2}|\d{4})\b|\b(\d{4}-\d{2}-\d{2}|\d{4})\s+(?:on|onwards?|and later|or later|and after)\b|\btest\w*\s+on\s+(?:the\s+)?(?:year\s+)?(\d{4}-\d{2}-\d{2}|\d{4})\b/gi,
  )) {
    const at = m.index ?? 0;
    const before = text.slice(Math.max(0, at - 40), at);
    const after = text.slice(at + m[0].length, at + m[0].length + 30);
    // "data/x.json": a dot inside a path ends no clause.
    const clause = (s: string) => s.split(/[,;:!?]|\.(?=\s|$)|\band\b|\bthen\b/i);
    const near = `${clause(before).pop() ?? ''} ${m[0]} ${clause(after)[0] ?? ''}`;
    const score =
      (/\b(?:test\w*|held[- ]?out|hold[- ]?out|cutoff|cut off|train\w*)\b/i.test(near) ? 2 : 0) -
      (/\b(?:keep|keeping|use|using|only|drop|remove|exclude|delete|filter\w*|restrict\w*|limit\w*|narrow\w*)\b/i.test(
        near,
      )
        ? 1
        : 0);
    if (!best || score > best.score) best = { day: (m[1] ?? m[2] ?? m[3]) as string, score };
  }
  // A day said only with a row filter ("filter to 1980 and later") keeps rows; it is no test cutoff.
  return best && best.score >= 0 ? best.day : undefined;
}

/** "hold back 10% of the older rows as validation", "a validation share of 0.15". */
function timeValidationShare(text: string): number | undefined {
  const m = new RegExp(
    [
      String.raw`${SHARE}\s+(?:of\s+(?:the\s+|all\s+)?(?:[\w-]+\s+)?(?:rows|data|records|samples|observations)(?:\s+(?:before|prior to)\s+(?:it|that|then|the cutoff))?\s+)?(?:(?:out|back|aside|apart)\s+)?(?:(?:as|for|into|(?:go|goes|are|is|get|gets|are used|is used)\s+(?:to|into|for|as))\s+(?:a\s+|the\s+)?)?${VALIDATION_NOUN}\b`,
      String.raw`\b${VALIDATION_NOUN}\s+(?:share|size|set|split|fraction|part)?\s*(?:of|=|:|is|at)?\s*${SHARE}`,
    ].join('|'),
    'i',
  ).exec(text);
  const raw = m?.[1] ?? m?.[2];
  const share =
    raw && (/%|per ?cent|half|third|quarter|fourth|fifth|tenth/i.test(raw) || Number(raw) < 1)
      ? toShare(raw)
      : undefined;
  return share !== undefined && share > 0 && share < 1 ? share : undefined;
}

function lastMatch(re: RegExp, text: string): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  for (const m of text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)))
    last = m as RegExpExecArray;
  return last;
}

export interface Holdout {
  folds?: number;
  testShare?: number;
  validationShare?: number;
  split?: { method: 'random' | 'stratified' | 'time'; column?: string; cutoff?: string };
  seed?: number;
}

/** Folds, held-out shares, the split method and the seed, as a goal states them (the last mention wins). */
export function parseHoldout(text: string): Holdout {
  const out: Holdout = {};
  const foldM =
    lastMatch(new RegExp(String.raw`\b${NUMBER}[- ]?folds?\b`, 'i'), text) ??
    lastMatch(/\bk\s*=\s*(\d+)\s*(?:-?fold|cross|cv)/i, text) ??
    lastMatch(/\bcv\s*=\s*(\d+)/i, text) ??
    lastMatch(/\bcross[- ]?validat\w*\s+(?:with\s+)?(\d+)\b/i, text);
  let folds = foldM ? toNumber(foldM[1]) : undefined;
  if (folds === undefined && /\bcross[- ]?validat\w*|\bk[- ]fold\b|\bcv\b/i.test(text)) folds = 5;
  if (/\b(?:no|without|skip) cross[- ]?validation\b/i.test(text)) folds = 0;
  if (folds !== undefined) out.folds = folds;

  const three = parseThreeWay(text) ?? parseNamedShares(text) ?? purposeValidation(text, parseTestShare);
  const testShare = three?.testShare ?? parseTestShare(text);
  if (testShare !== undefined && testShare > 0 && testShare < 1) out.testShare = testShare;
  if (three) out.validationShare = three.validationShare;

  // "hold out the latest years", "the newest 15% is the test set": a time split too.
  const latest = parseLatestHoldout(text);
  if (latest?.testShare !== undefined && out.testShare === undefined) out.testShare = latest.testShare;
  const said = parseTimeSplit(text);
  const timeSplit =
    said || latest ? { ...(latest?.column ? { column: latest.column } : {}), ...(said ?? {}) } : undefined;
  const cutoffDay = testCutoff(text);
  if (timeSplit) out.split = { method: 'time', ...timeSplit, ...(cutoffDay ? { cutoff: cutoffDay } : {}) };
  // With a cutoff the test rows are those after it; a share said for validation is of the rows before it.
  // Without one, "a time split on year and 15% validation" names the validation share too.
  const validation = out.split && !three ? timeValidationShare(text) : undefined;
  if (out.split && validation !== undefined) {
    out.validationShare = validation;
    delete out.testShare;
  }
  // "stratified on Species", "a stratified 90/10 split of x.json by species".
  const strat =
    /\bstratif\w*(?:(?:\s+(?!(?:by|on)\b)[^\s,;.]+(?:\.\w+)?){0,5}?\s+(?:by|on)\s+(?:the\s+)?([\w()-]+(?:\s+(?!(?:and|then|with|for|into|to|so)\b)[\w()-]+){0,2}))?/i.exec(
      text,
    );
  if (strat) out.split = { method: 'stratified', ...(strat[1] ? { column: strat[1] } : {}) };
  // "keep the class balance in both parts", "preserve the label proportions", "a balanced split".
  else if (
    /\b(?:keep(?:ing)?|preserv\w*|maintain\w*|respect\w*)\s+(?:the\s+)?(?:class|label|target|category)\s+(?:balance|ratios?|proportions?|distribution|mix)\b|\b(?:class|label)[- ]balanced split\b|\bbalanced split\b/i.test(
      text,
    )
  )
    out.split = { method: 'stratified' };
  // "a random split", "a random 80/20 split", "split it randomly", "split the rows at random".
  if (
    /\brandom(?:ly)?\s+(?!forests?\b)(?:[\w/:.-]+\s+){0,2}?split\b|\bsplit\w*\s+(?:[\w/.-]+\s+){0,3}?(?:at random|randomly)\b/i.test(
      text,
    )
  )
    out.split = { method: 'random' };
  const seedM = /\bseed\s*(?:=|:|of|is)?\s*(\d+)\b/i.exec(text);
  if (seedM) out.seed = Number(seedM[1]);
  return out;
}
