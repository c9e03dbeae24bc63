/**
 * The offline planner's reading of a goal: rules over the ways people phrase pipeline goals, producing a
 * GoalSpec (what to build) that build.ts turns into a plan once the data has been described. Nothing here
 * knows the eval sentences; each rule is a small grammar over one kind of phrase.
 *
 * When a property is stated twice (a goal plus review feedback such as "use 10 folds instead"), the last
 * mention wins.
 */

import { ARRIVAL_REF, findS3, s3SourceName } from './s3.ts';
import { parseSchedule, type Schedule } from './schedule.ts';
import { NUMBER, SHARE, toNumber, toShare } from './words.ts';

export type SourceSpec =
  | { kind: 'file'; path: string }
  | { kind: 'url'; url: string }
  | { kind: 'postgres'; connection: string; table?: string; query?: string }
  | { kind: 's3'; url: string; name: string }
  | { kind: 'unsupported'; location: string; why: string };

export type Framework = 'builtin' | 'sklearn' | 'xgboost' | 'torch';
export interface ModelChoice {
  framework: Framework;
  algorithm: string;
}

export type Comparator = '>=' | '>' | '<=' | '<';
export type Gate =
  | { kind: 'threshold'; metric: string; op: Comparator; value: number }
  | { kind: 'improve'; metric?: string; minDelta?: number };

export type PrepIntent =
  | { op: 'dedupe' }
  | { op: 'drop'; list: string }
  | { op: 'dropna'; list?: string }
  | { op: 'where'; column: string; cmp: '=' | '!=' | '>' | '>=' | '<' | '<='; value: string; keep: boolean }
  | { op: 'impute'; strategy: 'mean' | 'median' | 'mode' | 'constant'; value?: number }
  | { op: 'scale'; method: 'zscore' | 'minmax' }
  | { op: 'onehot'; list?: string }
  | { op: 'clip' };

export interface GoalSpec {
  goal: string;
  sources: SourceSpec[];
  /** Candidate phrases for the target column, best first. */
  targetPhrases: string[];
  taskType?: 'classification' | 'regression';
  wants: {
    train: boolean;
    register: boolean;
    deploy: boolean;
    predict: boolean;
    monitor: boolean;
    notify: boolean;
    split: boolean;
    version: boolean;
    /** A data-only verb (load, clean, version, split, ...). */
    data: boolean;
  };
  models: ModelChoice[];
  compare: boolean;
  folds?: number;
  testShare?: number;
  split?: { method: 'random' | 'stratified' | 'time'; column?: string; cutoff?: string };
  seed?: number;
  metric?: string;
  gate?: Gate;
  schedule?: Schedule;
  event?: string;
  /** Where new files land, when the goal runs on arrivals in a bucket (a bucket trigger). */
  bucket?: string;
  resources: { gpu?: number; gpuMemory?: string; cpu?: number; memory?: string };
  approval: boolean;
  approvers: string[];
  approvalTimeout?: string;
  drift: {
    datasetShare?: number;
    psi?: number;
    pValue?: number;
    wasserstein?: number;
    jensenShannon?: number;
  };
  notify?: { channel: 'slack' | 'webhook' | 'console'; asked: string };
  prep: PrepIntent[];
  params: { nEstimators?: number; maxDepth?: number; k?: number };
  tune: boolean;
  modelName?: string;
  canary?: number;
}

// ---------------------------------------------------------------- sources

const EXT = 'csv|tsv|json|ndjson|jsonl|parquet|arrow|feather|xlsx|xls|txt|csv\\.gz|avro|orc';
const FILE = new RegExp(
  String.raw`(?:^|[\s"'\x60(\[])((?:\.{0,2}/)?[\w][\w./-]*\.(?:${EXT}))(?=$|[\s"'\x60),;:!?\]]|\.(?:\s|$))`,
  'gi',
);
const URL = /\b(https?:\/\/[^\s'"`<>]+)/gi;
const PG = /\b(postgres(?:ql)?:\/\/[^\s'"`<>]+)/gi;
const OTHER_STORE =
  /\b((s3|s3a|gs|gcs|az|abfss?|hdfs|wasbs?|ftp|sftp|mysql|mongodb(?:\+srv)?|snowflake|bigquery):\/\/[^\s'"`<>]+)/gi;

function trimUrl(u: string): string {
  return u.replace(/[.,;:!?)\]]+$/, '');
}

/**
 * A SQL query written in the goal, for a postgres source: quoted or back-ticked ("`select … from loans`"), or
 * bare, up to where the sentence goes on ("run SELECT * FROM loans WHERE … against postgres://…").
 */
const SQL_QUOTED = /(["'`])\s*(select\s[\s\S]*?\bfrom\b[\s\S]*?)\1(?=\s|[,;.]|$)/i;
const SQL_BARE =
  /\b(select\s+(?:distinct\s+)?[^;]+?\s+from\s+[^;]+?)(?=\s+(?:against|on|in|from|at|using|via|over|through|inside)\s+(?:the\s+)?(?:(?:database|db|warehouse|connection|server)\s+)?(?:at\s+)?postgres|\s+postgres(?:ql)?:\/\/|;|\s+(?:and|then|,)\s+(?:then\s+)?(?:predict|train|forecast|classify|fit|build|version|check|monitor|estimate|model|deploy|register)\b|\.(?:\s|$)|$)/i;

export function sqlQuery(goal: string): string | undefined {
  const q = SQL_QUOTED.exec(goal)?.[2] ?? SQL_BARE.exec(goal)?.[1];
  return q?.trim().replace(/\s+/g, ' ');
}

function parseSources(goal: string): SourceSpec[] {
  const found: { at: number; src: SourceSpec }[] = [];
  let rest = goal;
  // s3:// sources and arrival places: agents/planner/offline/s3.ts.
  for (const m of findS3(goal)) {
    const url = m.arrival ? ARRIVAL_REF : m.url;
    found.push({ at: m.at, src: { kind: 's3', url, name: s3SourceName(m.url) } });
    rest = rest.replace(m.text, ' '.repeat(m.text.length));
  }
  for (const m of goal.matchAll(OTHER_STORE)) {
    const location = trimUrl(m[1] as string);
    const scheme = (m[2] as string).toLowerCase();
    if (scheme.startsWith('s3')) continue;
    const why = `reading from ${scheme}:// is not supported yet`;
    found.push({ at: m.index ?? 0, src: { kind: 'unsupported', location, why } });
    rest = rest.replace(m[1] as string, ' '.repeat((m[1] as string).length));
  }
  const query = sqlQuery(goal);
  for (const m of goal.matchAll(PG)) {
    const connection = trimUrl(m[1] as string);
    if (query) {
      found.push({ at: m.index ?? 0, src: { kind: 'postgres', connection, query } });
      rest = rest.replace(m[1] as string, ' '.repeat((m[1] as string).length));
      continue;
    }
    const table =
      /\b(?:table|from)\s+["'`]?([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)["'`]?(?!\.\w)/.exec(
        goal.slice((m.index ?? 0) + m[0].length),
      ) ??
      /\bthe\s+["'`]?([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)["'`]?\s+table\b/i.exec(goal) ??
      /\btable\s+["'`]?([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)/i.exec(goal);
    found.push({
      at: m.index ?? 0,
      src: { kind: 'postgres', connection, ...(table?.[1] ? { table: table[1] } : {}) },
    });
    rest = rest.replace(m[1] as string, ' '.repeat((m[1] as string).length));
  }
  for (const m of rest.matchAll(URL)) {
    found.push({ at: m.index ?? 0, src: { kind: 'url', url: trimUrl(m[1] as string) } });
    rest = rest.replace(m[1] as string, ' '.repeat((m[1] as string).length));
  }
  for (const m of rest.matchAll(FILE)) {
    const file = m[1] as string;
    const at = (m.index ?? 0) + m[0].indexOf(file);
    if (/\.(xlsx|xls|avro|orc|feather|txt)$/i.test(file)) {
      found.push({
        at,
        src: {
          kind: 'unsupported',
          location: file,
          why: `the ${file.split('.').pop()} format cannot be read yet`,
        },
      });
    } else found.push({ at, src: { kind: 'file', path: file.replace(/^\.\//, '') } });
  }
  // "score new.csv with a model trained on old.csv": the training data comes first.
  const trainedOn = found.find((f) =>
    /\b(?:train(?:ed|ing)?|fit(?:ted)?|learn(?:ed|t|s)?|built)\s+(?:\w+\s+){0,2}?(?:on|from|with|using)\s+$/i.test(
      goal.slice(Math.max(0, f.at - 40), f.at),
    ),
  );
  if (trainedOn) trainedOn.at = -1;
  // "check new.csv for drift against old.csv": the reference comes first.
  const against = found.find((f) =>
    /\b(?:against|relative to|compared (?:to|with)|versus|vs\.?|baseline)\s+(?:the\s+)?(?:reference\s+)?(?:data\s+)?(?:in\s+|of\s+)?$/i.test(
      goal.slice(Math.max(0, f.at - 40), f.at),
    ),
  );
  if (against && !trainedOn) against.at = -1;
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.at - b.at)
    .map((f) => f.src)
    .filter((s) => {
      const key = JSON.stringify(s);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

// ---------------------------------------------------------------- target

const STOP =
  'from|using|with|based|given|on|in|for|by|at|per|every|each|if|and|then|when|so|to|via|into|across|after|before|while|only|but|use|over|under|as';
const TARGET_VERBS =
  'predict(?:s|ing)?|forecast(?:s|ing)?|estimat(?:e|es|ing)|regress(?:es|ing)?|classify(?:ing)?|model(?:s|ing|ling)?|anticipat(?:e|es|ing)|project(?:s|ing)?|infer(?:s|ring)?|guess(?:es|ing)?';

/** Verbs that start a clause ("train model …"), so what follows them is not a column phrase. */
const CLAUSE_VERBS =
  'train|retrain|re-train|fit|refit|build|rebuild|make|create|use|get|need|want|deploy|ship|run|try|add|give|set|compare|pick|choose|register|load|check|monitor|score|evaluate|the|a|an|and|then|with|new|my|our|your|this|that|one|some|best|better|final|same';

/** One to four words of a column phrase ("Seattle weather type", "Body Mass (g)"). */
const PHRASE = String.raw`(?:[\w()%-]+\s+){0,3}?[\w()%-]+`;
const PARTICIPLES =
  'classified|predicted|forecast(?:ed)?|estimated|modell?ed|projected|categori[sz]ed|anticipated|inferred';
const AGENT_NOUNS = 'models?|classifiers?|regressors?|predictors?|forecasters?|estimators?';

/**
 * The goal with its data sources and the preposition that introduces them taken out, so that what surrounds a
 * source reads as one phrase: "a regressor on data/x.json for fertility" → "a regressor for fertility",
 * "predict, from (data/x.csv), the species" → "predict, the species".
 */
function withoutSources(goal: string): string {
  const src = String.raw`(?:\.{0,2}/)?[\w][\w./-]*\.(?:${EXT})|https?://[^\s'"\x60<>]+|postgres(?:ql)?://[^\s'"\x60<>]+`;
  return goal
    .replace(
      new RegExp(
        String.raw`(?:\b(?:on|from|in|using|with|over|of|at|against|into|inside|within|off|across)\s+)?(?:the\s+)?(?:(?:data|file|dataset|table|csv|rows)\s+(?:in\s+|at\s+)?)?["'\x60]?(?:${src})["'\x60]?(?:\s+(?:file|dataset|data(?:set)?|table))?`,
        'gi',
      ),
      ' ',
    )
    .replace(/\(\s*\)/g, ' ')
    .replace(/\s+([,;:.!?])/g, '$1')
    .replace(/\s+/g, ' ');
}

function withoutQuery(goal: string): string {
  const q = SQL_QUOTED.exec(goal)?.[0] ?? SQL_BARE.exec(goal)?.[0];
  return q ? goal.replace(q, ' ') : goal;
}

function targetPhrases(goal: string): string[] {
  const out: string[] = [];
  const push = (p: string | undefined) => {
    const t = p
      ?.trim()
      .replace(/^(?:(?:of|for)\s+)?(?:the|an?)\s+/i, '')
      .replace(/^["'`]|["'`]$/g, '')
      .replace(/\s+(?:please|pls|thanks|thank you)$/i, '');
    const verbish =
      /^(?:trained|built|fitted|fit|that|which|to|it|them|this|should|must|will|would|can|could|is|are|was|be|been|gets?|has|have)\b|\b(?:the|an?|my|our|your|this|that)$/i;
    if (t && !new RegExp(String.raw`^(?:${STOP})\b`, 'i').test(t) && !verbish.test(t) && !out.includes(t))
      out.push(t);
  };
  // Quoted: predict "Body Mass (g)".
  for (const m of goal.matchAll(
    new RegExp(String.raw`\b(?:${TARGET_VERBS})\s+(?:the\s+)?["'\x60]([^"'\x60]+)["'\x60]`, 'gi'),
  ))
    push(m[1]);
  // "X as the target", "target column X", "label: X".
  for (const m of goal.matchAll(
    /((?:[\w()%-]+\s+){0,4}?[\w()%-]+)\s+as\s+(?:the\s+)?(?:target|label|outcome)\b/gi,
  ))
    push(m[1]);
  for (const m of goal.matchAll(
    /\b(?:target|label|outcome)\s*(?:column|variable|field)?\s*(?:is|=|:|should be|of)\s*["'`]?([^,.;"'`]+)/gi,
  ))
    push(m[1]);
  // "classify penguins by species", "classify flights into delay".
  for (const m of goal.matchAll(
    /\bclassify(?:ing)?\s+[\w\s-]{0,30}?\b(?:by|into|according to)\s+(?:their\s+|its\s+|the\s+)?([\w\s()-]+?)(?=[,.;:!?]|\s+(?:using|with|from|on|in|and|then)\b|$)/gi,
  ))
    push(m[1]);
  // "predict whether a flight will be delayed" → "delayed".
  for (const m of goal.matchAll(
    /\b(?:predict|forecast|estimate)\w*\s+(?:whether|if)\s+(?:an?\s+|the\s+)?\w+\s+(?:is|will be|gets|has|was)\s+([\w-]+)/gi,
  ))
    push(m[1]);
  // "predict (the) X (from|using|...)".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:${TARGET_VERBS})\s+(?:(?:that|which|to|and|it)\s+(?:${TARGET_VERBS})\s+)?(?:the\s+|a\s+|an\s+|its\s+|their\s+|each\s+\w+'s\s+|how\s+(?:much|many)\s+)?([^,.;:!?]+?)(?=\s+(?:${STOP})\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // Passive: "the weather type classified", "get species predicted", "X to be forecast".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:the|an?|my|our|their|its|each|want|get|have|need|see)\s+(${PHRASE})\s+(?:(?:to\s+be|should\s+be|must\s+be|is|are|being)\s+)?(?:${PARTICIPLES})\b`,
      'gi',
    ),
  ))
    push(m[1]);
  // Agent nouns: "a classifier for Origin", "a model of fertility", "regressor that predicts X" (handled above).
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:${AGENT_NOUNS})\s+(?:for|of|to\s+(?:predict|estimate|forecast|classify)|predicting|estimating|forecasting)\s+(?:the\s+|a\s+|an\s+)?([^,.;:!?]+?)(?=\s+(?:${STOP})\b|[,;:!?]|\.(?:\s|$)|$)`,
      'gi',
    ),
  ))
    push(m[1]);
  // "retrain the delay model", "a net generation forecaster" → "delay", "net generation".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:the|a|an|my|our|new|for|better|good)\s+([\w-]+(?:\s+[\w-]+)?)\s+(?:${AGENT_NOUNS})\b`,
      'gi',
    ),
  ))
    push(m[1]);
  // At the start of a clause, without a determiner: "Species classifier off data/x.json", "; delay model, …".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`(?:^|[.;:!?\u2014\u2013]\s*|\s-\s)([\w-]+(?:\s+[\w-]+)?)\s+(?:${AGENT_NOUNS})\b`,
      'gi',
    ),
  ))
    if (!new RegExp(String.raw`^(?:${CLAUSE_VERBS})\b`, 'i').test(m[1] as string)) push(m[1]);
  // An arrow from the data to the column: "data/x.json -> sex", "x.csv → price".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`(?:->|\u2192)\s*(?:the\s+)?(${PHRASE}?)(?=\s*(?:[,;:!?()]|\.(?:\s|$)|$)|\s+(?:${STOP})\b)`,
      'gi',
    ),
  ))
    push(m[1]);
  // "<column> is the target", "the sex column" (weakest: only a column word marks it).
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(${PHRASE})\s+(?:is|will be|should be|being)\s+(?:the\s+|our\s+|my\s+)?(?:target|label|outcome|response|dependent variable)\b`,
      'gi',
    ),
  ))
    push(m[1]);
  for (const m of goal.matchAll(
    new RegExp(String.raw`\bthe\s+(${PHRASE})\s+(?:column|field|variable|attribute)\b`, 'gi'),
  ))
    push(m[1]);
  // Task nouns: "a species classification", "for delay prediction", "price forecasting".
  for (const m of goal.matchAll(
    /\b(?:the|a|an|my|our|new|for|do|run|some)\s+([\w-]+(?:\s+[\w-]+)?)\s+(?:predictions?|forecasts?|forecasting|classification|estimation|estimates?|regression|model(?:l)?ing)\b/gi,
  ))
    push(m[1]);
  return out;
}

// ---------------------------------------------------------------- models

// Model families, with their usual synonyms, abbreviations and British / hyphenated spellings. Each pattern
// consumes the whole family name ("k-nearest neighbours", "gradient-boosted trees") so that, once masked, no
// part of it is left to read as a target phrase.
const MODEL_RULES: [RegExp, ModelChoice][] = [
  [
    /\bxgboost\b|\bxgb(?:oost)?\b|\bextreme gradient boost(?:ing|ed)?\b/i,
    { framework: 'xgboost', algorithm: 'gradient_boosting' },
  ],
  [
    /\blight ?gbm\b|\bcat ?boost\b|\bhist(?:ogram)?[- ]?(?:based )?gradient[- ]?boost(?:ed|ing)?(?: trees?| machines?)?\b|\bgradient[- ]?boost(?:ed|ing)?(?: (?:decision )?trees?| machines?)?\b|\bgbm\b|\bgbdt\b|\bgbr?t\b|\bboosted (?:decision |regression )?trees\b/i,
    { framework: 'sklearn', algorithm: 'gradient_boosting' },
  ],
  [/\brandom[- ]?forr?ests?\b|\brf\b/i, { framework: 'builtin', algorithm: 'random_forest' }],
  [
    /\blogistic[- ]regressions?\b|\blogistic[- ]reg\b|\blog[- ]?reg\b|\blogit\b|\blogistic (?:model|classifier)s?\b|\bmax(?:imum)?[- ]?ent(?:ropy)? classifier\b/i,
    { framework: 'builtin', algorithm: 'logistic_regression' },
  ],
  [
    /\b(?:ordinary )?linear[- ]regressions?\b|\blin[- ]?reg\b|\bols\b|\b(?:ordinary )?least[- ]squares\b|\blinear (?:model|regressor|fit)s?\b|\bstraight[- ]line fit\b/i,
    { framework: 'builtin', algorithm: 'linear_regression' },
  ],
  [
    /\bdecision[- ]trees?\b|\b(?:regression|classification) trees?\b|\bcart\b|\ba (?:single|simple) tree\b/i,
    { framework: 'builtin', algorithm: 'decision_tree' },
  ],
  [
    /\bk[- ]?nearest[- ]neighbou?rs?\b|\bk[- ]?nn\b|\bk[- ]?nearest\b|\bnearest[- ]neighbou?rs?\b/i,
    { framework: 'builtin', algorithm: 'knn' },
  ],
  [/\bna[iï]ve[- ]bayes\b|\bgaussian[- ]?nb\b/i, { framework: 'builtin', algorithm: 'naive_bayes' }],
  [
    /\bextra[- ]trees\b|\bextremely randomi[sz]ed (?:decision )?trees\b/i,
    { framework: 'sklearn', algorithm: 'extra_trees' },
  ],
  [
    /\bsvms?\b|\bsv[cr]\b|\bsupport[- ]vector(?: machines?| classifiers?| regressors?| regression)?\b/i,
    { framework: 'sklearn', algorithm: 'svm' },
  ],
  [
    /\bridge(?:[- ]regression)?\b|\bl2[- ]regulari[sz]ed (?:linear|regression)\b/i,
    { framework: 'sklearn', algorithm: 'ridge' },
  ],
  [
    /\blasso(?:[- ]regression)?\b|\bl1[- ]regulari[sz]ed (?:linear|regression)\b/i,
    { framework: 'sklearn', algorithm: 'lasso' },
  ],
  [
    /\bneural[- ]net(?:work)?s?\b|\bmulti-?layer(?:ed)? perceptrons?\b|\bmlp\b|\bpytorch\b|\btorch\b|\bdeep learning\b|\bperceptrons?\b|\bfeed-?forward (?:neural )?net(?:work)?s?\b|\bdnn\b|\bdeep (?:neural )?net(?:work)?s?\b/i,
    { framework: 'torch', algorithm: 'mlp' },
  ],
];

function parseModels(goal: string): ModelChoice[] {
  const hits: { at: number; m: ModelChoice }[] = [];
  for (const [re, m] of MODEL_RULES) {
    const found = re.exec(goal);
    if (found) hits.push({ at: found.index, m });
  }
  const sklearn = /\b(scikit[- ]?learn|sklearn)\b/i.test(goal);
  return hits
    .sort((a, b) => a.at - b.at)
    .map(({ m }) => (sklearn && m.framework === 'builtin' ? { ...m, framework: 'sklearn' as const } : m));
}

// ---------------------------------------------------------------- metrics and gates

const METRICS: [RegExp, string][] = [
  [/\baccuracy\b|\bacc\b/i, 'accuracy'],
  [/\bf1(?:[- ]?score)?\b|\bf-score\b|\bf-measure\b/i, 'f1_macro'],
  [/\bprecision\b/i, 'precision_macro'],
  [/\brecall\b/i, 'recall_macro'],
  [/\b(?:roc[- ]?)?auc\b|\broc\b|\barea under the curve\b/i, 'roc_auc'],
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
    /^(?:<=|≤|=<|at most|no more than|not (?:more|higher|greater|above) than|no (?:higher|greater|bigger) than|maximum(?: of)?|max\.?|within|up to|at or below|(?:less|lower|smaller) than or equal to|not (?:above|over)|(?:does not|doesn't|do not|don't|never) (?:exceed|go above|go over|rise above|top)s?)$/i,
    '<=',
  ],
  [/^(?:<|below|under|less than|lower than|smaller than|beneath|south of)$/i, '<'],
  [/^(?:better than|improves? on|beats?)$/i, 'better'],
  [/^(?:no worse than|not worse than|at least as good as|as good as|on par with)$/i, 'no-worse'],
  [/^(?:=|==|:|is|of|reaches|reach|hits?|gets?|equals?|stays|is at|of at|to|around|about)$/i, 'eq'],
];
const CMP_WORDS = [
  '>=|≥|=>|<=|≤|=<|>|<|==|=|:',
  'at least|no less than|not (?:less|lower|smaller) than|no (?:lower|smaller) than|minimum(?: of)?|at or above|(?:greater|higher|more) than or equal to|not (?:below|under|beneath)',
  "(?:less|lower|smaller) than or equal to|at or below|at most|no more than|not (?:more|higher|greater|above) than|no (?:higher|greater|bigger) than|maximum(?: of)?|within|up to|not (?:above|over)|(?:does not|doesn't|do not|don't|never) (?:exceed|go above|go over|rise above|top)s?",
  'no worse than|not worse than|at least as good as|as good as|on par with|better than|improves? on',
  'above|over|greater than|more than|higher than|exceeds?|exceeding|exceeded|surpass(?:es|ing)?|tops?|clears?|beats?|past|in excess of|north of',
  'below|under|less than|lower than|smaller than|beneath|south of',
  'is at|of at|reaches|reach|hits?|gets?|equals?|stays|is|of|to|around|about',
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

const FLIP: Record<Comparator, Comparator> = { '>=': '<', '>': '<=', '<=': '>', '<': '>=' };

interface MetricMention {
  metric: string;
  at: number;
  end: number;
}

function metricMentions(goal: string): MetricMention[] {
  const out: MetricMention[] = [];
  for (const [re, metric] of METRICS) {
    for (const m of goal.matchAll(new RegExp(re.source, 'gi'))) {
      out.push({ metric, at: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

function thresholdValue(metric: string, raw: string, percent: boolean): number {
  const n = Number(raw);
  if (SHARE_METRICS.has(metric) && (percent || n > 1)) return n / 100;
  return n;
}

function parseGate(goal: string, mentions: MetricMention[]): Gate | undefined {
  let gate: Gate | undefined;
  const NUM = String.raw`(\d+(?:\.\d+)?|\.\d+)\s*(%|percent)?`;
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
        op: flip ? FLIP[op] : op,
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
    /\b(improves?|improved|improvement|improving|(?:is|does|performs|scores)\s+better|better than (?:the )?(?:current|production|last|previous|old|existing|champion|baseline|deployed)|beats? (?:the )?(?:current|production|last|previous|old|existing|champion|baseline|deployed)|outperforms?)\b/i.exec(
      goal,
    );
  if (improve && (!gate || (improve.index ?? 0) > goal.search(/\d/))) {
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
  return gate;
}

// ---------------------------------------------------------------- resources, approvals, drift, notify

function parseResources(goal: string): GoalSpec['resources'] {
  const out: GoalSpec['resources'] = {};
  // "2 GPUs", "4 x A100", "2x H100s", "a couple of GPUs", "on two A100s"; "a GPU" is one.
  const GPU_NAME = String.raw`(?:gpus?|graphics cards?|(?:a100|h100|h200|v100|a10g?|t4|l4|l40s?|a6000|rtx\s?\d{4}|mi\d{3}x?)s?)`;
  const counts = [
    ...goal.matchAll(
      new RegExp(
        String.raw`\b${NUMBER}(?:\s+of)?(?:\s*[x×]\s*|\s+)(?:(?!(?:gb|gib|tb|g|of|with|memory|vram)\b)[\w-]+\s+){0,2}?${GPU_NAME}\b`,
        'gi',
      ),
    ),
  ];
  const count = counts.find((m) => !/^an?$/i.test(m[1] as string)) ?? counts[0];
  if (count) out.gpu = Math.max(1, Math.round(toNumber(count[1]) ?? 1));
  else if (new RegExp(String.raw`\b${GPU_NAME}\b|\bcuda\b`, 'i').test(goal)) out.gpu = 1;
  const gb = /(\d+(?:\.\d+)?)\s*(gb|gib|g|tb)\b(?:\s+of)?\s*(gpu memory|vram|ram|memory|gpu)?/gi;
  for (const m of goal.matchAll(gb)) {
    const unit = (m[2] as string).toLowerCase().startsWith('t') ? 'Ti' : 'Gi';
    const size = `${m[1]}${unit}`;
    const what = (m[3] ?? '').toLowerCase();
    const near = goal.slice(Math.max(0, (m.index ?? 0) - 25), (m.index ?? 0) + m[0].length + 15);
    if (what === 'ram' || (what === 'memory' && !/gpu|vram/i.test(near))) out.memory = size;
    else if (out.gpu !== undefined && (what !== '' || /gpu|vram|cuda|a100|h100/i.test(near)))
      out.gpuMemory = size;
    else if (what === '' && /\b(ram|memory)\b/i.test(near)) out.memory = size;
  }
  const cpu = new RegExp(String.raw`\b${NUMBER}\s+(?:cpus?|cores|vcpus?|cpu cores)\b`, 'i').exec(goal);
  if (cpu) out.cpu = toNumber(cpu[1]) ?? 1;
  return out;
}

const APPROVAL =
  /\bask(?:ing)? me\b|\bwith my (?:approval|ok|okay|sign[- ]?off|consent|go[- ]ahead)\b|\bapprov(?:al|e|es|ed)\b|\bsign[- ]?off\b|\b(?:confirm|check) with me\b|\bhuman[- ]in[- ]the[- ]loop\b|\bmanual(?:ly)? (?:review|approv\w*|check|gate)\b|\bafter i (?:approve|review|confirm|say so)\b|\bwait for (?:me|my)\b|\blet me (?:review|approve|check|confirm|decide)\b|\bonce i(?:'ve| have)? (?:approved|reviewed|confirmed)\b|\bneeds? my (?:ok|okay|approval)\b/i;

function parseApprovers(goal: string): string[] {
  const out: string[] = [];
  const by = /\bapprov\w*\s+(?:from|by)\s+(@?[a-z][\w.-]*(?:\s*(?:,|or|and)\s*@?[a-z][\w.-]*)*)/i.exec(goal);
  if (by) {
    for (const n of (by[1] as string).split(/\s*(?:,|\bor\b|\band\b)\s*/)) {
      const name = n.replace(/^@/, '').replace(/[.]$/, '');
      if (name && !/^(me|myself|us|the|a|an|someone|anyone|team)$/i.test(name)) out.push(name);
    }
  }
  return out;
}

function parseDuration(text: string): string | undefined {
  const m =
    /\b(?:wait|time ?out|expires?|give (?:me|us))\s+(?:up to\s+|for\s+|after\s+|at most\s+)?(\d+)\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d)\b/i.exec(
      text,
    );
  if (!m) return undefined;
  const unit = (m[2] as string).toLowerCase();
  return `${m[1]}${unit.startsWith('d') ? 'd' : unit.startsWith('h') ? 'h' : 'm'}`;
}

function shareOf(raw: string, pct: string | undefined): number {
  const n = Number(raw);
  return pct || n > 1 ? n / 100 : n;
}

function parseDrift(goal: string): GoalSpec['drift'] {
  const out: GoalSpec['drift'] = {};
  const num = String.raw`(\d+(?:\.\d+)?|\.\d+)\s*(%|percent)?`;
  // "PSI above 0.2", "PSI goes over 0.25", "the PSI is greater than .1", "PSI of 0.3".
  const cmp = String.raw`(?:(?:is|goes|gets|rises|climbs|jumps|creeps|moves|comes in|ends up)\s+)?(?:above|over|exceeds?|exceeding|greater than|more than|higher than|bigger than|past|beyond|crosses|>=?|≥|of|at|reaches|hits|at least)?\s*`;
  const share =
    new RegExp(String.raw`\bdrift(?:ed)?\s+share\s+${cmp}${SHARE}`, 'i').exec(goal) ??
    new RegExp(
      String.raw`\b(?:share|fraction|proportion) of (?:drifted|drifting|shifted) (?:features|columns|variables)\s+${cmp}${SHARE}`,
      'i',
    ).exec(goal) ??
    // "more than 30% of the features drift", "half the columns have drifted", "a third of the inputs shift".
    new RegExp(
      String.raw`\b(?:(?:more than|over|at least|above|upwards of)\s+)?${SHARE}\s+(?:of\s+)?(?:the\s+|all\s+|our\s+|its\s+)?(?:features|columns|variables|inputs|fields)\s+(?:(?:have|has|are|start(?:s)?|show)\s+)?(?:drift|drifts|drifted|drifting|shift|shifts|shifted|shifting|change|changed)\b`,
      'i',
    ).exec(goal);
  const shareValue = toShare(share?.[1]);
  if (shareValue !== undefined && shareValue > 0 && shareValue <= 1) out.datasetShare = shareValue;
  const psi = new RegExp(String.raw`\bpsi\s+${cmp}${num}`, 'i').exec(goal);
  if (psi) out.psi = Number(psi[1]);
  const p =
    /\bp[- ]?values?\s+(?:is\s+|goes\s+|drops\s+|falls\s+)?(?:below|under|less than|<=?|of)\s*(\d*\.\d+)/i.exec(
      goal,
    );
  if (p) out.pValue = Number(p[1]);
  const w = new RegExp(String.raw`\bwasserstein(?: distance)?\s+${cmp}${num}`, 'i').exec(goal);
  if (w) out.wasserstein = Number(w[1]);
  const js = new RegExp(String.raw`\bjensen[- ]shannon(?: distance)?\s+${cmp}${num}`, 'i').exec(goal);
  if (js) out.jensenShannon = Number(js[1]);
  return out;
}

function parseNotify(goal: string): GoalSpec['notify'] {
  const slack = /\bslack\b/i.exec(goal);
  if (slack) return { channel: 'slack', asked: 'slack' };
  const hook = /\bwebhook\b|\bms teams\b|\bmicrosoft teams\b|\bdiscord\b|\bpagerduty\b|\bopsgenie\b/i.exec(
    goal,
  );
  if (hook) return { channel: 'webhook', asked: hook[0].toLowerCase() };
  const mail = /\be-?mail(?:s|ed|ing)?\b|\bmail (?:me|us|the team)\b/i.exec(goal);
  if (mail) return { channel: 'console', asked: 'email' };
  if (
    /\b(notify|notifies|notifying|alert|alerts|alerting|tell|tells|telling|ping|pings|pinging|message|messaging|inform|informing|warn|warns|warning|page|paging|text|texting)\s+(?:me|us|the team|the on-?call|someone|ops|whoever)\b|\blet (?:me|us) know\b|\bsend (?:me |us )?(?:an? )?(?:alert|notification|message)\b|\bnotifications?\b/i.test(
      goal,
    )
  ) {
    return { channel: 'console', asked: 'notification' };
  }
  return undefined;
}

// ---------------------------------------------------------------- prep

/** Verbs for taking something out, in their usual forms. */
const REMOVE =
  'remove|removes|removing|removed|drop|drops|dropping|dropped|delete|deletes|deleting|deleted|eliminate|eliminates|eliminating|get rid of|gets rid of|getting rid of|got rid of|strip|strips|stripping|throw out|throwing out|filter out|filtering out|discard|discards|discarding|purge|purging|clear out|weed out|weeding out';

const NOT_COLUMNS =
  /^(?:duplicates?|duplicate rows|dupes|rows?|nulls?|missing(?: values)?|nas?|nans?|empty rows|outliers|incomplete rows|the duplicates)\b/i;

function parsePrep(goal: string): PrepIntent[] {
  const out: { at: number; p: PrepIntent }[] = [];
  const add = (m: RegExpExecArray | null, p: PrepIntent) => {
    if (m) out.push({ at: m.index ?? 0, p });
  };
  add(
    new RegExp(
      String.raw`\b(de-?dup(?:e|licate)?[sd]?|de-?dup(?:ing|ed)|de-?duplicat\w*|(?:${REMOVE})\s+(?:the\s+|any\s+|all\s+|exact\s+|obvious\s+)*(?:duplicat\w*|dupes?|repeated rows)|duplicat\w*(?:\s+rows)?\s+(?:are\s+|get\s+|being\s+)?(?:removed|dropped|deleted|eliminated|stripped|filtered out)|(?:no|without)\s+duplicat\w*|unique rows only)\b`,
      'i',
    ).exec(goal),
    { op: 'dedupe' },
  );
  // Rows missing one column: "drop rows where IMDB Rating is missing", "remove records with a null price".
  const COLUMN = String.raw`((?:[\w()%-]+\s+){0,3}?[\w()%-]+)`;
  const dropnaCol =
    new RegExp(
      String.raw`\b(?:${REMOVE}|skip|skipping|exclude|excluding)\s+(?:the\s+|any\s+|all\s+)?(?:rows|records|entries|samples)\s+(?:where|whose|in which|when)\s+(?:the\s+)?${COLUMN}\s+(?:is|are|was|=)\s+(?:missing|null|empty|blank|nan|na|unknown|not (?:set|given|known))\b`,
      'i',
    ).exec(goal) ??
    new RegExp(
      String.raw`\b(?:${REMOVE}|skip|skipping|exclude|excluding)\s+(?:the\s+|any\s+|all\s+)?(?:rows|records|entries|samples)\s+(?:with|that have|having|missing)\s+(?:an?\s+|no\s+)?(?:missing|null|empty|blank|nan|unknown)?\s*${COLUMN}(?=\s*(?:[,;.!?]|$|\s+(?:values?|entries)\b|\s+(?:and|then|before|first|so)\b))`,
      'i',
    ).exec(goal);
  if (
    dropnaCol &&
    !NOT_COLUMNS.test(dropnaCol[1] as string) &&
    !/^(?:values?|data|any)$/i.test(dropnaCol[1] as string)
  )
    out.push({ at: dropnaCol.index ?? 0, p: { op: 'dropna', list: dropnaCol[1] as string } });
  // Row filters: "keep only rows where year is 1932", "only use flights where distance > 500",
  // "exclude rows where origin is HNL".
  const where = new RegExp(
    String.raw`\b(?:(keep|keeping|use|using|select|selecting|restrict(?:ing)?\s+(?:it\s+|the data\s+)?to|limit(?:ing)?\s+(?:it\s+|the data\s+)?to|filter(?:ing)?(?:\s+(?:it|the data|the rows))?\s+(?:to|down to|for)|only)|(${REMOVE}|exclude|excluding|skip|skipping|filter(?:ing)? out))\s+(?:only\s+)?(?:the\s+)?(?:rows|records|entries|samples|data|\w+s)\s+(?:where|whose|with|in which)\s+(?:the\s+)?${COLUMN}\s+(?:(?:is|are|was|were)\s+)?(not|at least|at most|above|below|over|under|greater than|less than|more than|after|before|since|from|equal to|isn't|is|are|equals|==|!=|<>|>=|<=|>|<|=)\s+["'\x60]?(-?\d+(?:\.\d+)?|[\w-]+(?:\s(?!(?:${STOP}|or|then|so)\b)[\w-]+)?)["'\x60]?`,
    'i',
  ).exec(goal);
  if (where && !/^(?:missing|null|empty|blank|nan|na|unknown|not)\b/i.test(where[5] as string)) {
    const said = (where[4] as string).toLowerCase();
    const cmp: { [k: string]: '=' | '!=' | '>' | '>=' | '<' | '<=' } = {
      is: '=',
      are: '=',
      'equal to': '=',
      equals: '=',
      '==': '=',
      '=': '=',
      'is not': '!=',
      "isn't": '!=',
      not: '!=',
      '!=': '!=',
      '<>': '!=',
      'at least': '>=',
      '>=': '>=',
      since: '>=',
      from: '>=',
      'at most': '<=',
      '<=': '<=',
      above: '>',
      over: '>',
      'greater than': '>',
      'more than': '>',
      after: '>',
      '>': '>',
      below: '<',
      under: '<',
      'less than': '<',
      before: '<',
      '<': '<',
    };
    const op = cmp[said];
    const value = where[5] as string;
    if (op)
      out.push({
        at: where.index ?? 0,
        p: { op: 'where', column: where[3] as string, cmp: op, value, keep: !where[2] },
      });
  }
  for (const m of goal.matchAll(
    /\b(?:drop|remove|exclude|delete|discard|leave out)\s+(?:the\s+)?(?:columns?\s+|features?\s+|fields?\s+)?(.+?)(?=\s+(?:columns?|features?|fields?)\b|[;:!?]|\.(?:\s|$)|\s+(?:then|before|after|so|to|from|first|and then|and (?:train|predict|split|version|deploy|scale|impute|fill|one-hot|dedupe|remove|drop))\b|,\s*(?:then|train|predict|split|and)\b|$)/gi,
  )) {
    const list = (m[1] as string).trim();
    if (
      NOT_COLUMNS.test(list) ||
      /^(rows|any rows|records)\b/i.test(list) ||
      /\b(?:where|whose)\b/i.test(list)
    )
      continue;
    out.push({ at: m.index ?? 0, p: { op: 'drop', list } });
  }
  add(
    new RegExp(
      String.raw`\b(?:${REMOVE}|skip|skipping|exclude|excluding)\s+(?:the\s+|any\s+|all\s+)?(?:(?:dupes|duplicates?|duplicate rows)\s+(?:and|&)\s+)?(?:rows|records|entries)?\s*(?:with|that have|containing|where)?\s*(?:any\s+)?(?:missing|nulls?|nans?|nas?|empty|incomplete)\b|\bdrop\s*na\b|\bdropna\b`,
      'i',
    ).exec(goal),
    { op: 'dropna' },
  );
  const impute =
    /\b(?:impute|imputing|fill(?:ing)?(?:\s+in)?|replace)\b[^.;]{0,40}?\b(median|mean|average|mode|most[- ]frequent|zeros?|0)\b/i.exec(
      goal,
    ) ?? /\b(median|mean|mode)[- ]imput/i.exec(goal);
  if (impute) {
    const w = (impute[1] as string).toLowerCase();
    const strategy =
      w === 'average'
        ? 'mean'
        : w.startsWith('most')
          ? 'mode'
          : w.startsWith('zero') || w === '0'
            ? 'constant'
            : (w as 'mean' | 'median' | 'mode');
    out.push({
      at: impute.index ?? 0,
      p: strategy === 'constant' ? { op: 'impute', strategy, value: 0 } : { op: 'impute', strategy },
    });
  } else
    add(/\b(?:impute|fill (?:in )?(?:the )?(?:missing|nulls?|gaps|nas?))\b/i.exec(goal), {
      op: 'impute',
      strategy: 'median',
    });
  const scale = /\b(scale|scaling|standardi[sz]\w*|normali[sz]\w*|z-?score\w*|min-?max)\b/i.exec(goal);
  if (scale) {
    const minmax = /min-?max|normali[sz]\w*\s+(?:to|into|between)\s+\[?0/i.test(goal);
    out.push({ at: scale.index ?? 0, p: { op: 'scale', method: minmax ? 'minmax' : 'zscore' } });
  }
  const onehot =
    /\bone[- ]?hot(?:[- ]encod\w*)?\s*(?:encode\s+)?(?:the\s+)?([^.;]*?)(?=[.;]|,\s*(?:then|and then|train)|\s+(?:then|and then|before|after)\b|$)|\bdummy (?:variables|encod\w*)\b/i.exec(
      goal,
    );
  if (onehot) {
    const list = (onehot[1] ?? '')
      .replace(/\b(?:categorical|categories|category|text|string)\b.*$/i, '')
      .trim();
    out.push({ at: onehot.index ?? 0, p: list ? { op: 'onehot', list } : { op: 'onehot' } });
  }
  add(
    /\b(?:clip|winsori[sz]e|cap|remove|drop|trim|handle)\s+(?:the\s+)?(?:extreme\s+)?outliers\b/i.exec(goal),
    { op: 'clip' },
  );
  return out.sort((a, b) => a.at - b.at).map((o) => o.p);
}

// ---------------------------------------------------------------- validation split

const ROWS = String.raw`(?:of\s+(?:the\s+|all\s+)?(?:rows|data(?:set)?|records|samples|observations|examples)\s+)?`;
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
function parseTestShare(text: string): number | undefined {
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
      String.raw`${SHARE}\s+${ROWS}(?:(?:is|are|being|gets?|to be)\s+)?(?:${SET_ASIDE_PARTICIPLE})\s*(?:out|back|aside|apart)?\b`,
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
  // "80/20 split", "a 75-25 train/test split", "split 70:30".
  collect(
    /\b(\d{1,2})\s*[/:-]\s*(\d{1,2})\s+(?:train[/ -]?test\s+)?split\b|\bsplit\s+(?:it\s+|the (?:data|rows)\s+)?(?:into\s+)?(\d{1,2})\s*[/:-]\s*(\d{1,2})\b/gi,
    (m) => {
      const a = Number(m[1] ?? m[3]);
      const b = Number(m[2] ?? m[4]);
      return a + b === 100 ? b / 100 : undefined;
    },
  );
  const last = hits
    .filter((h) => h.share !== undefined)
    .sort((a, b) => a.at - b.at)
    .pop();
  return last?.share;
}

// ---------------------------------------------------------------- the goal as a whole

function lastMatch(re: RegExp, text: string): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  for (const m of text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)))
    last = m as RegExpExecArray;
  return last;
}

export function parseGoal(goal: string): GoalSpec {
  const text = goal.replace(/\s+/g, ' ').trim();
  // Model names ("logistic regression") must not read as task types or targets.
  // A trailing agent noun ("logistic model", "support vector regressor") is kept: it still introduces the target.
  // A bare family name becomes the agent noun "model", so "a lasso for net generation" reads like "a model for
  // net generation"; when an agent noun already follows ("an XGBoost classifier"), the name just goes.
  const noModels = MODEL_RULES.reduce(
    (t, [re]) =>
      t.replace(new RegExp(re.source, 'gi'), (m: string, ...rest: unknown[]) => {
        const kept = /\b(?:models?|classifiers?|regressors?)$/i.exec(m)?.[0];
        if (kept) return ` ${kept} `;
        const at = rest.find((r) => typeof r === 'number') as number;
        const next = t.slice(at + m.length);
        return /^\s*(?:[\w-]+\s+)?(?:models?|classifiers?|regressors?|estimators?|predictors?)\b/i.test(next)
          ? ' '
          : ' model ';
      }),
    text,
  );

  const trainWords =
    /\b(train|retrain|re-train|predict(?!ions)|forecast|classif\w*|regress\w*|fit|model(?:s|ing|ling)?\b|estimat\w*|learn|build an? \w*\s*(?:model|classifier|regressor))/i;
  const models = parseModels(text);
  const mentions = metricMentions(text);
  const deploy =
    /\b(deploy\w*|serv(?:e|es|ing) (?:it|the model|predictions|the best)|ship(?:s|ped|ping)? (?:it|them|the|an?|this|that|our|my)|promot\w+|roll(?:s|ing)?[- ]?out|(?:put|push|move|release)(?:es|ed|ing)? (?:it |them |the (?:\w+ )?model )?(?:in|into|to) prod(?:uction)?|go(?:es)? live|make it live|(?:in)?to prod(?:uction)?|behind an? (?:http |rest )?(?:endpoint|api)|canary)\b/i.test(
      text,
    );
  const predict =
    /\b(batch[- ]?(?:predict|scor)\w*|(?:score|scores|scoring)\s+(?:the\s+|all\s+|every\s+|new\s+|each\s+)?\S*|(?:write|generate|make|produce|output|save|export)\s+(?:the\s+)?(?:batch\s+)?predictions|predictions (?:for|on|to)\b|predict on\b)/i.test(
      text,
    );
  const monitor = /\bdrift\w*|\bmonitor\w*\b|\bdata shift\b|\bdistribution shift\b/i.test(text);
  const register =
    /\bregist(?:er|ry|ered|ering)\b|\bsave the model\b|\bpublish\w*\b|\bversion the model\b|\bmodel store\b/i.test(
      text,
    );
  const notify = parseNotify(text);
  // "the training data" names data (e.g. a drift reference), not a wish to train.
  const trainText = noModels.replace(
    /\btraining (?:data(?:set)?|set|rows|snapshot|distribution|file|sample|split)\b/gi,
    ' ',
  );
  const train = trainWords.test(trainText) || models.length > 0 || deploy || register || predict;

  let taskType: GoalSpec['taskType'];
  if (/\bclassif\w*|\bwhether\b|\bbinary\b|\bcategori[sz]e\b|\bwhich (?:class|category)\b/i.test(noModels))
    taskType = 'classification';
  if (/\bregression\b|\bregressor\b|\bhow (?:much|many)\b/i.test(noModels)) taskType = 'regression';

  const foldM =
    lastMatch(new RegExp(String.raw`\b${NUMBER}[- ]?folds?\b`, 'i'), text) ??
    lastMatch(/\bk\s*=\s*(\d+)\s*(?:-?fold|cross|cv)/i, text) ??
    lastMatch(/\bcv\s*=\s*(\d+)/i, text) ??
    lastMatch(/\bcross[- ]?validat\w*\s+(?:with\s+)?(\d+)\b/i, text);
  let folds = foldM ? toNumber(foldM[1]) : undefined;
  if (folds === undefined && /\bcross[- ]?validat\w*|\bk[- ]fold\b|\bcv\b/i.test(text)) folds = 5;
  if (/\b(?:no|without|skip) cross[- ]?validation\b/i.test(text)) folds = 0;

  const testShare = parseTestShare(text);

  let split: GoalSpec['split'];
  const timeSplit =
    /\b(?:time|temporal|chronological|date)[- ]?(?:based\s+)?split\b|\bsplit\s+(?:by|on)\s+(?:the\s+)?(date|time|year)\b|\b(?:out[- ]of[- ]time|no peeking|train on (?:the )?(?:past|earlier)|test on (?:the )?(?:later|latest|most recent))\b/i.exec(
      text,
    );
  const cutoff =
    /\b(?:before|after|from|since|cutoff(?: of| at)?|cut off at)\s+(\d{4}-\d{2}-\d{2}|\d{4})\b/i.exec(text);
  if (timeSplit) split = { method: 'time', ...(cutoff ? { cutoff: cutoff[1] as string } : {}) };
  const strat = /\bstratif\w*(?:\s+(?:by|on)\s+(?:the\s+)?([\w()-]+(?:\s+[\w()-]+)?))?/i.exec(text);
  if (strat) split = { method: 'stratified', ...(strat[1] ? { column: strat[1] } : {}) };
  if (/\brandom(?:ly)? split\b|\bsplit (?:the rows )?at random\b/i.test(text)) split = { method: 'random' };
  const seedM = /\bseed\s*(?:=|:|of|is)?\s*(\d+)\b/i.exec(text);

  const trees = new RegExp(String.raw`\b${NUMBER}\s+trees\b|\bn_?estimators\s*[=:]?\s*(\d+)`, 'i').exec(text);
  const depth = /\b(?:max(?:imum)?[ _-]?depth|depth)\s*(?:of\s*|=\s*|:\s*)?(\d+)\b/i.exec(text);
  const kNeighbours = /\bk\s*=\s*(\d+)\b(?!\s*(?:-?fold|cross|cv))/i.exec(text);
  const params: GoalSpec['params'] = {};
  const treeCount = toNumber(trees?.[1] ?? trees?.[2]);
  if (treeCount) params.nEstimators = treeCount;
  if (depth) params.maxDepth = Number(depth[1]);
  if (kNeighbours && models.some((m) => m.algorithm === 'knn')) params.k = Number(kNeighbours[1]);

  const nameM =
    /\b(?:register|save|publish|store)\w*\s+(?:it|the model|the best model|the winner)?\s*(?:in the registry\s+)?(?:as|under(?: the name)?|named|called)\s+["'`]?([A-Za-z0-9][\w.-]*[A-Za-z0-9])/i.exec(
      text,
    ) ?? /\bmodel\s+(?:named|called)\s+["'`]?([A-Za-z0-9][\w.-]*[A-Za-z0-9])/i.exec(text);
  const canaryM =
    /\bcanary\b[^.;]{0,40}?(\d+(?:\.\d+)?)\s*(%|percent)|(\d+(?:\.\d+)?)\s*(%|percent)\s+(?:of\s+)?(?:the\s+)?(?:traffic|requests)\b/i.exec(
      text,
    );
  const canaryRaw = canaryM?.[1] ?? canaryM?.[3];

  const event =
    /\bwhen(?:ever)?\s+(?:a\s+)?new\s+(?:data|files?|batch(?:es)?|rows|extracts?)\s+(?:arrives?|lands?|(?:is|are)\s+(?:uploaded|added|dropped)|shows? up|comes? in)\b/i.test(
      text,
    )
      ? 'file.arrived'
      : undefined;
  const schedule = parseSchedule(text);
  const bucket = findS3(text).find((m) => m.arrival)?.url;

  return {
    goal: text,
    sources: parseSources(text),
    targetPhrases: targetPhrases(withoutSources(withoutQuery(noModels))),
    ...(taskType ? { taskType } : {}),
    wants: {
      train,
      register: register || deploy,
      deploy,
      predict,
      monitor,
      notify: notify !== undefined,
      split: /\bsplit\b|\bhold[- ]?out\b|\btrain\/test\b|\btest set\b/i.test(text) || train,
      version: /\bversion\w*\b|\bsnapshot\w*\b/i.test(text) || train,
      data: /\b(load|ingest|import|pull|read|fetch|clean|prepare|preprocess|version|snapshot|split|profile|copy)\w*\b/i.test(
        text,
      ),
    },
    models,
    compare:
      /\bcompar\w*\b|\bversus\b|\bvs\.?\s|\b(?:two|three|several|a few|multiple|different) (?:models|algorithms|approaches)\b|\bbake[- ]?off\b|\bpick the best\b|\bbest (?:of|model)\b/i.test(
        text,
      ) || models.length > 1,
    ...(folds !== undefined ? { folds } : {}),
    ...(testShare !== undefined && testShare > 0 && testShare < 1 ? { testShare } : {}),
    ...(split ? { split } : {}),
    ...(seedM ? { seed: Number(seedM[1]) } : {}),
    ...(mentions[0] ? { metric: mentions[0].metric } : {}),
    ...((): { gate?: Gate } => {
      const g = parseGate(text, mentions);
      return g ? { gate: g } : {};
    })(),
    ...(schedule ? { schedule } : {}),
    ...(event ? { event } : {}),
    ...(bucket ? { bucket } : {}),
    resources: parseResources(text),
    approval: APPROVAL.test(text),
    approvers: parseApprovers(text),
    ...((): { approvalTimeout?: string } => {
      const d = parseDuration(text);
      return d ? { approvalTimeout: d } : {};
    })(),
    drift: parseDrift(text),
    ...(notify ? { notify } : {}),
    prep: parsePrep(text),
    params,
    tune: /\b(?:tune|tuning|tuned|hyper-?parameter (?:search|tuning|optimi[sz]ation)|grid search|random search|optimi[sz]e (?:the )?hyper-?parameters|sweep)\b/i.test(
      text,
    ),
    ...(nameM?.[1] ? { modelName: nameM[1] } : {}),
    ...(canaryRaw ? { canary: shareOf(canaryRaw, '%') } : {}),
  };
}
