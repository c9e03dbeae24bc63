/**
 * Loose ways of naming the column to predict (target.ts reads the usual ones): an R-style formula
 * ("price ~ rooms + area"), "X is the number we care about", "the column X is the answer", "X from the other
 * measurements" at the start of a clause, "what we want out of it is X". And the words that are never a column
 * to predict ("for testing", "for myself", "later").
 */
import { EXT } from './sources.ts';
import { toNumber, words } from './words.ts';

/** Words that never name a column to predict, alone or together ("testing purposes", "myself"). */
const NEVER = new Set(
  'testing test tests validation validating evaluation eval evaluating purpose purposes myself ourselves yourself yourselves themselves himself herself me us them later now today fun reference practice comparison comparing safety sure please pls thanks'.split(
    ' ',
  ),
);

/** Things a goal asks for that are not columns ("what we want out of it is a report"). */
const NOT_A_COLUMN =
  /^(?:an?\s+.*|reports?|summary|summaries|plans?|pipelines?|dashboards?|overview|charts?|plots?|tables?|lists?|models?|something|anything|columns?|features?|fields?|rows?|data|versions?|files?|ones?|runs?|jobs?)$/i;
/** Participles of questions about the pipeline, not about a row ("is the model deployed?"). */
const ABOUT_THE_PIPELINE =
  /^(?:deployed|registered|trained|retrained|promoted|served|running|done|finished|ready|approved|scheduled|broken|updated|versioned|started|stopped|failed|used)$/i;

export function neverTarget(phrase: string): boolean {
  const w = words(phrase);
  // "a hundred", "twenty": a number is never a column to predict.
  return w.length > 0 && w.every((x) => NEVER.has(x) || x === 'and' || toNumber(x) !== undefined);
}

const PHRASE = String.raw`(?:[\w()%-]+\s+){0,3}?[\w()%-]+`;
const END = String.raw`(?=\s*[.,;:!?()]|$|\s+(?:from|using|with|on|in|for|and|then|so|via|please|pls)\b)`;
/** Words a column phrase at the start of a clause never holds ("train X from the other …" is a verb's). */
const NOT_COLUMN =
  /(?:^|\s)(?:train|retrain|fit|build|predict\w*|figure|work|find|guess\w*|infer\w*|tell|learn\w*|estimat\w*|forecast\w*|classif\w*|regress\w*|anticipat\w*|copy|move|load|get|make|take|use|run|please|pls|can|could|you|we|i|it|they|this|that|these|those|here|there|which|what|rows?|data|files?|stuff|everything|something)\b/i;
/** Common words that are not a formula's left-hand side ("the ~ sign"). */
const NOT_FORMULA_SIDE = /^(?:the|a|an|this|that|it|is|was|of|approx|about|roughly|around|at|by)$/i;

/** `lastWords` keeps the words after the last preposition or verb (target.ts). */
const FORMULA =
  /(?<![\w.%-])["'\x60]?([A-Za-z_][\w.%-]*)["'\x60]?\s*~\s*((?:["'\x60]?[A-Za-z_.][\w.%-]*["'\x60]?)(?:\s*[+*:]\s*["'\x60]?[A-Za-z_][\w.%-]*["'\x60]?)*)/g;

const FUNCTION_OF = String.raw`\s+as\s+an?\s+function\s+of\s+`;
const LIST_ITEM = String.raw`["'\x60]?[\w()%-]+(?:\s+(?!and\b)[\w()%-]+)?["'\x60]?`;

/**
 * The inputs a goal lists for the target: a formula's right-hand side ("price ~ rooms + area" → rooms, area;
 * none for "y ~ ."), or "price as a function of rooms, area and age".
 */
export function formulaFeatures(goal: string): string[] {
  for (const m of goal.matchAll(FORMULA)) {
    if (NOT_FORMULA_SIDE.test(m[1] as string)) continue;
    const terms = (m[2] as string)
      .split(/\s*[+*:]\s*/)
      .map((t) => t.replace(/^["'\x60]|["'\x60]$/g, '').replace(/\.$/, ''))
      .filter((t) => t && t !== '.');
    return [...new Set(terms)];
  }
  const f = new RegExp(
    String.raw`${FUNCTION_OF}(${LIST_ITEM}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*\+\s*)${LIST_ITEM})*)`,
    'i',
  ).exec(goal);
  return f
    ? (f[1] as string)
        .split(/\s*(?:,|\band\b|\+)\s*/)
        .map((t) => t.trim().replace(/^["'\x60]|["'\x60]$/g, ''))
        .filter(Boolean)
    : [];
}

/** Words for how well a model does, which people also "care about" ("we care about recall"). */
const METRIC_WORDS =
  /^(?:accuracy|precision|recall|f1|auc|roc|rmse|mae|mse|r2|r²|error|errors|latency|speed|cost|costs|performance|quality|fairness|interpretability|explainability|simplicity|time|memory|results?|it|that|this)(?:\s|$)/i;

export function looseTargetPhrases(goal: string, lastWords: (p: string) => string | undefined): string[] {
  const out: string[] = [];
  const push = (p: string | undefined) => {
    const t = p
      ?.trim()
      .replace(/^[-\u2013\u2014\s]+/, '')
      .replace(/^(?:the|an?|our|my)\s+/i, '')
      .replace(/^(?:column|field|variable|attribute)\s+/i, '')
      .replace(/^["'\x60]|["'\x60]$/g, '');
    if (t && !neverTarget(t) && !NOT_A_COLUMN.test(t) && !out.includes(t)) out.push(t);
  };
  // R-style formula: "price ~ rooms + area", "lm(yield ~ .)".
  for (const m of goal.matchAll(FORMULA)) if (!NOT_FORMULA_SIDE.test(m[1] as string)) push(m[1]);
  // "price is the number we care about", "Weight is the value I care about most", "Origin is the thing we are after".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(${PHRASE})\s+(?:is|are)\s+(?:the|my|our)\s+(?:(?:main|one|only|key)\s+)?(?:number|value|thing|column|field|variable|quantity|figure|one|answer|output)\s*(?:of\s+interest\b|(?:that\s+)?(?:we|i)\s*(?:really\s+)?(?:care about|'re after|'m after|are after|am after|want(?:\s+to\s+(?:predict|know|forecast|estimate|see))?|need|are interested in|am interested in)\b|(?=\s*[,;:!?()]|\.(?:\s|$)|$))`,
      'gi',
    ),
  )) {
    const column = lastWords(m[1] as string);
    if (column && !NOT_COLUMN.test(column)) push(column);
  }
  // A question at the start of a clause: "which Origin a car comes from", "Which island each penguin lives on".
  for (const m of goal.matchAll(
    /(?:^|[.;:!?,\u2014\u2013]\s*|\s-\s)which\s+([\w()%-]+(?:\s+(?!(?:a|an|the|each|every|does|do|did|will|would|should|can|is|are)\b)[\w()%-]+)?)\s+(?:(?:does|do|did|will|would|should|can)\s+)?(?:a|an|the|each|every)\s+[\w-]+\s+(?:is|comes?|came|belongs?|goes|go|went|has|lives?|falls?|fits?|ends? up|lands?)\b/gi,
  ))
    push(m[1]);
  // "can we tell the channel from the wording?", "could a model guess the region based on the notes?".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:can|could|would)\s+(?:we|you|it|i|a model|the model|something)\s+(?:tell|guess|work out|figure out|predict|infer|know|learn)\s+(?:the|a|an|its|their|each\s+\w+'s)\s+(${PHRASE})\s+(?:from|using|based on|by|given|out of)\b`,
      'gi',
    ),
  ))
    push(m[1]);
  // "input body, output queue", "inputs: review; output: stars".
  for (const m of goal.matchAll(
    /\binputs?\s*(?:[:=]|is\b|are\b)?\s*(?:the\s+)?[\w()%-]+(?:\s*(?:,|and|\+)\s*[\w()%-]+)*\s*[,;.]\s*(?:and\s+)?(?:the\s+)?outputs?\s*(?:[:=]|is\b)?\s*(?:the\s+)?["'\x60]?([\w()%-]+)/gi,
  ))
    push(m[1]);
  // "will a flight be delayed?", "is a loan defaulted?": the participle of a yes/no question.
  for (const m of goal.matchAll(
    /(?:^[\s-]*|[.;:!,\u2014\u2013]\s*|\s-\s)(?:will|would|is|was|does|did)\s+(?:a|an|the|each|this|my|our)\s+(?!(?:model|pipeline|run|job|version|plan|data|dataset|file|script)\b)[\w-]+\s+(?:be\s+|get\s+)?([\w-]+(?:ed|en))\s*\?/gi,
  ))
    if (!ABOUT_THE_PIPELINE.test(m[1] as string)) push(m[1]);
  // "we care about life_expect", "I mostly care about the price" (not "we care about recall").
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:we|i)\s+(?:really\s+|mostly\s+|mainly\s+|only\s+)?care\s+(?:most\s+|mostly\s+)?about\s+(?:the\s+)?["'\x60]?(${PHRASE})["'\x60]?${END}`,
      'gi',
    ),
  ))
    if (!METRIC_WORDS.test(m[1] as string) && !NOT_COLUMN.test(m[1] as string)) push(m[1]);
  // "Horsepower as a function of Weight_in_lbs and Displacement".
  for (const m of goal.matchAll(new RegExp(String.raw`\b(${PHRASE})${FUNCTION_OF}`, 'gi'))) {
    const column = lastWords(m[1] as string);
    if (column && !NOT_COLUMN.test(column)) push(column);
  }
  // "Body mass from the other measurements", "Horsepower from the remaining columns".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`(?:^|[.;:!?\u2014\u2013]\s*|\s-\s)(${PHRASE})\s+(?:from|using|given|based on|off)\s+(?:all\s+)?(?:the\s+|its\s+|their\s+)?(?:other|remaining|rest\b|everything else)`,
      'gi',
    ),
  ))
    if (!NOT_COLUMN.test(m[1] as string)) push(m[1]);
  // "delay is what I'd like out of it", "price is what we need from the model".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(${PHRASE})\s+is\s+what\s+(?:we|i|you)\s*(?:want|need|would like|'d like|are after|'re after|am after|'m after)\s+(?:out\s+of|from)\s+(?:it|this|that|the model|the data)\b`,
      'gi',
    ),
  )) {
    const column = lastWords(m[1] as string);
    if (column && !NOT_COLUMN.test(column)) push(column);
  }
  // "Origin = what comes out", "what comes out is Origin".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(${PHRASE})\s*(?:=|is|are)\s*what\s+(?:comes|should come|will come)\s+out\b|\bwhat\s+(?:comes|should come|will come)\s+out\s+(?:is|=|:)\s*(?:the\s+)?["'\x60]?(${PHRASE})["'\x60]?${END}`,
      'gi',
    ),
  )) {
    const column = m[1] ? lastWords(m[1]) : m[2];
    if (column && !NOT_COLUMN.test(column)) push(column);
  }
  // "what we want out of it is the delay", "what I need from the model is X".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\bwhat\s+(?:we|i|you)\s+(?:want|need|would like|'d like|are after|'re after)\s+(?:out\s+of|from)\s+(?:it|this|that|the model|the data)\s+(?:is|are)\s+["'\x60]?(${PHRASE})["'\x60]?${END}`,
      'gi',
    ),
  ))
    push(m[1]);
  // Fronted: "Which weather it will be, this we want to predict"; "what we want predicted is the delay".
  for (const m of goal.matchAll(
    new RegExp(
      [
        String.raw`(?:^|[.;:!?]\s*)(?:which|what)\s+(${PHRASE})\s+(?:it|they|this|that|there|(?:a|an|the|each|every)\s+[\w-]+)\s+(?:will|would|is|are|was|gets?|has)(?:\s+be)?\s*,\s*(?:this|that|it|which)\s+(?:is\s+what\s+|'s\s+what\s+)?(?:we|i)\s+(?:want|need|would like|'d like|wish|hope)\s+to\s+(?:predict|forecast|know|estimate|model)`,
        String.raw`\bwhat\s+(?:we|i)\s+(?:want|need|would like|'d like)\s+(?:predicted|forecast(?:ed)?|to\s+(?:predict|forecast|estimate))\s+(?:is|are)\s+(?:the\s+)?["'\x60]?(${PHRASE})["'\x60]?${END}`,
      ].join('|'),
      'gi',
    ),
  ))
    push(m[1] ?? m[2]);
  return out;
}

/** Words that start a request, not a column ("load data/x.csv", "read from data/x.csv"). */
const REQUEST_WORD =
  /^(?:load|loads|read|reads|ingest|import|train|fit|build|make|get|take|pull|fetch|grab|copy|use|run|start|score|predict|forecast|estimate|classify|model|do|please|can|could|would|i|we|you|let|lets|data|dataset|rows|everything|all|it|this|that|go|try|create|bring|learn|retrain|evaluate|clean|prep|prepare|tidy|dedupe|hi|hey|ok|okay|so|now|then|and|also|just|from|using|with|on|off|over|in|for|by|the|a|an|my|our)$/i;

/**
 * A column named first, before its file: "price off data/homes.csv with boosting", "churn on data/c.parquet,
 * random forest". Checked against the file's columns when the plan is built (a non-column never matches).
 */
export function targetBeforeSource(goal: string): string[] {
  const re = new RegExp(
    String.raw`(?:^|[.;!?]\s+)\s*(?:the\s+)?([A-Za-z_][\w()%-]*(?:\s+[A-Za-z_][\w()%-]*){0,2}?)\s+(?:off|from|on|using|over)\s+(?:the\s+)?(?:file\s+)?["'\x60]?(?:\.{0,2}/)?[\w][\w./-]*\.(?:${EXT})\b`,
    'gi',
  );
  const out: string[] = [];
  for (const m of goal.matchAll(re)) {
    const phrase = m[1] as string;
    const first = phrase.split(/\s+/)[0] as string;
    if (REQUEST_WORD.test(first) || neverTarget(phrase) || NOT_A_COLUMN.test(phrase)) continue;
    if (!out.includes(phrase)) out.push(phrase);
  }
  return out;
}
