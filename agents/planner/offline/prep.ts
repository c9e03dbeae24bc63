/**
 * Data preparation in a goal: dedupe, drop columns, drop rows with missing values (all, or of named columns),
 * row filters ("keep only rows where year is 1932"), impute, scale, one-hot, clip outliers — in goal order.
 */
import type { PrepIntent } from '../intent.ts';
import { parseAggregate } from './prep-aggregate.ts';
import { parseDeriveClip } from './prep-derive.ts';
import { parseDeriveWords } from './prep-derive-words.ts';
import { dedupeKeys, parseMorePrep } from './prep-more.ts';
import { parseSelect } from './prep-select.ts';
import { parseValueFilter } from './prep-value-filter.ts';
import { STOP } from './target.ts';

/** Verbs for taking something out, in their usual forms. */
export const REMOVE =
  'take out|takes out|taking out|took out|remove|removes|removing|removed|drop|drops|dropping|dropped|delete|deletes|deleting|deleted|eliminate|eliminates|eliminating|get rid of|gets rid of|getting rid of|got rid of|strip|strips|stripping|throw out|throwing out|throw away|throws away|throwing away|threw away|toss out|tosses out|tossing out|tossed out|filter out|filtering out|discard|discards|discarding|purge|purging|clear out|weed out|weeding out|toss|tosses|tossing|tossed|ditch|ditches|ditching|ditched';

/** "should be dropped", "are to be removed", "get deleted": rows taken out, said passively. */
// A ticket's list item leaves the verb out: "rows with a null price removed;".
const PASSIVE_GONE = String.raw`(?:(?:(?:should|must|will|can|shall|need to|needs to|have to|has to|are to|is to)\s+(?:all\s+)?be|are|is|get|gets)\s+(?:removed|dropped|deleted|excluded|discarded|filtered out|thrown out|taken out)\b|(?:removed|dropped|deleted|excluded|discarded|filtered out)(?=\s*(?:[,;.!?]|$)))`;

const NOT_COLUMNS =
  /^(?:duplicates?|duplicate rows|duplicated (?:lines|rows|records|entries)|dupes|rows?|nulls?|missing(?: values)?|nas?|nans?|empty rows|outliers|incomplete rows|the duplicates)\b/i;

/** "(drop rows with missing values)": brackets around the words go, those of "Weight (kg)" stay. */
function unwrap(list: string | undefined): string | undefined {
  if (!list) return list;
  const open = (list.match(/[([]/g) ?? []).length;
  const close = (list.match(/[)\]]/g) ?? []).length;
  if (open === close && !/^[([]/.test(list)) return list;
  return list.replace(/^[([]+|[)\]]+$/g, '');
}

/** Chat shorthand read as words: "w/" and "w" before a noun phrase → with, "w/o" → without, "x n y" → and. */
export function chatShorthand(goal: string): string {
  return goal
    .replace(/(?<![\w/])w\/o(?![\w/])/gi, 'without')
    .replace(/(?<![\w/])w\/(?=\s)/gi, 'with')
    .replace(/(?<=\s)w(?=\s+(?:no|a|an|the|any|missing|null|empty|blank)\b)/g, 'with')
    .replace(
      /(?<=(?<!\b(?:top|first|last|bottom|of|the|with|every|size|is|=)\s)\b[A-Za-z]{2,}\s)n(?=\s+(?!(?:rows|samples|items|trees|estimators|folds|neighbou?rs|times|features|columns)\b)[a-z])/g,
      'and',
    );
}

export function parsePrep(typed: string): PrepIntent[] {
  // "restrict the sample to vehicles with Year from 1975 onward": keeping only those rows.
  const goal = chatShorthand(typed).replace(
    /\b(?:restrict|limit|narrow)(?:s|ed|ing)?\s+(?:down\s+)?(?:the\s+|our\s+)?(?:sample|data(?:set)?|rows|table|population|analysis)\s+(?:down\s+)?to\s+(?=(?:the\s+)?[a-z]+s\s+(?:with|where|whose)\b)/gi,
    'keep only ',
  );
  const out: { at: number; p: PrepIntent }[] = [];
  const add = (m: RegExpExecArray | null, p: PrepIntent) => {
    if (m) out.push({ at: m.index ?? 0, p });
  };
  const dedupeKey = dedupeKeys(goal);
  add(
    new RegExp(
      String.raw`\b(de-?dup(?:e|licate)?[sd]?|de-?dup(?:ing|ed)|de-?duplicat\w*|(?:${REMOVE})\s+(?:the\s+|any\s+|all\s+|exact\s+|obvious\s+)*(?:duplicat\w*|dupes?|repeated)|duplicat\w*(?:\s+rows)?\s+(?:are\s+|get\s+|being\s+)?(?:removed|dropped|deleted|eliminated|stripped|filtered out)|(?:no|without)\s+duplicat\w*|unique rows only)\b`,
      'i',
    ).exec(goal),
    dedupeKey ? { op: 'dedupe', list: dedupeKey } : { op: 'dedupe' },
  );
  // Rows missing one column: "drop rows where IMDB Rating is missing", "remove records with a null price",
  // "drop duplicates and rows where the price is empty".
  const COLUMN = String.raw`((?:[\w()%-]+\s+){0,3}?[\w()%-]+)`;
  // The rows, or what they are: "the films", "any flights" (never the columns).
  const ROWS = String.raw`(?:rows|records|entries|samples|(?!(?:columns|cols|fields|features|variables|attributes|values|duplicates|dupes|nulls|nans|nas)\b)[a-z]+s)`;
  const dropnaCol =
    new RegExp(
      String.raw`\b(?:${REMOVE}|skip|skipping|exclude|excluding)\s+(?:the\s+|any\s+|all\s+)?(?:(?:dupes|duplicates?|duplicate rows)\s+(?:and|&|as well as)\s+(?:the\s+|any\s+|all\s+)?)?${ROWS}\s+(?:where|whose|in which|when)\s+(?:the\s+)?${COLUMN}\s+(?:is|are|was|=)\s+(?:missing|null|empty|blank|nan|na|unknown|not (?:set|given|known))\b`,
      'i',
    ).exec(goal) ??
    new RegExp(
      String.raw`\b(?:${REMOVE}|skip|skipping|exclude|excluding)\s+(?:the\s+|any\s+|all\s+)?${ROWS}\s+(?:with|that have|having|missing|without|lacking|that lack)\s+(?:an?\s+|no\s+)?(?:missing|null|empty|blank|nan|unknown)?\s*(?!(?:values?|data|entries|cells|fields|anything)\b)${COLUMN}(?=\s*(?:[,;.!?]|$|\s+(?:values?|entries)\b|\s+(?:and|then|before|first|so|pls|please|plz)\b))`,
      'i',
    ).exec(goal) ??
    // Passive: "rows where Price is empty should be dropped", "records with a missing Weight are removed".
    new RegExp(
      String.raw`\b${ROWS}\s+(?:(?:where|whose|in which|when)\s+(?:the\s+)?${COLUMN}\s+(?:is|are|was|=)\s+(?:missing|null|empty|blank|nan|na|unknown|not (?:set|given|known))|(?:with|that have|having|missing|without|lacking)\s+(?:an?\s+|no\s+)?(?:missing|null|empty|blank|nan|unknown)?\s*${COLUMN})\s+${PASSIVE_GONE}`,
      'i',
    ).exec(goal);
  // Rows kept where a column is there: "keep only rows where Sex isnt null", "only records whose age is known".
  const keptCol = new RegExp(
    String.raw`\b(?:keep|keeping|use|using|select|selecting|only)\s+(?:only\s+)?(?:the\s+)?(?:rows|records|entries|samples)\s+(?:where|whose|in which|with)\s+(?:the\s+)?${COLUMN}\s+(?:(?:is|are)\s+not|isn'?t|isnt|aren'?t|arent)\s+(?:null|missing|empty|blank|nan|na|unknown)\b|\b(?:keep|keeping|use|using|select|selecting|only)\s+(?:only\s+)?(?:the\s+)?(?:rows|records|entries|samples)\s+(?:where|whose|in which)\s+(?:the\s+)?${COLUMN}\s+(?:is|are)\s+(?:present|known|set|given|filled(?:\s+in)?)\b|\b(?:keep|keeping|use|using|select|selecting|only)\s+(?:only\s+)?(?:the\s+)?(?:rows|records|entries|samples)\s+(?:with|having|that have)\s+(?:an?\s+)?(?:known|non-?null|non-?missing|present|valid)\s+${COLUMN}(?=\s*(?:[,;.!?]|$)|\s+(?:and|then|so|before|value|values)\b)`,
    'i',
  ).exec(goal);
  const keptList = (keptCol?.[1] ?? keptCol?.[2] ?? keptCol?.[3])?.replace(/^["'\x60]|["'\x60]$/g, '');
  if (keptCol && keptList && !NOT_COLUMNS.test(keptList))
    out.push({ at: keptCol.index ?? 0, p: { op: 'dropna', list: keptList } });
  // "(drop rows with missing values)": punctuation around the words is not part of a column name.
  const dropList = unwrap(dropnaCol?.[1] ?? dropnaCol?.[2]);
  // "rows with distance under 500" compare a column (a filter below); no column is missing there.
  const listed =
    dropnaCol &&
    dropList &&
    !NOT_COLUMNS.test(dropList) &&
    !/^(?:values?|data|any)$/i.test(dropList) &&
    !/\b(?:under|over|above|below|greater|less|more|than|at least|at most|equal)\b|[<>=]|\d/i.test(dropList);
  if (dropnaCol && dropList && listed)
    out.push({ at: dropnaCol.index ?? 0, p: { op: 'dropna', list: dropList } });
  // Row filters: "keep only rows where year is 1932", "only use flights where distance > 500",
  // "exclude rows where origin is HNL".
  const where = new RegExp(
    String.raw`\b(?:(keep|keeping|use|using|select|selecting|restrict(?:ing)?\s+(?:it\s+|the data\s+)?to|limit(?:ing)?\s+(?:it\s+|the data\s+)?to|filter(?:ing)?(?:\s+(?:it|the data|the rows))?\s+(?:to|down to|for)|only)|(${REMOVE}|exclude|excluding|skip|skipping|filter(?:ing)? out))\s+(?:only\s+)?(?:the\s+)?(?:rows|records|entries|samples|data|\w+s)\s+(?:where|whose|with|in which)\s+(?:the\s+)?(?!(?:missing|null|empty|blank|nan|no|any)\b)${COLUMN}\s+(?:(?:is|are|was|were)\s+)?(not|at least|at most|above|below|over|under|greater than|less than|more than|after|before|since|from|equal to|isn't|is|are|equals|==|!=|<>|>=|<=|>|<|=)\s+["'\x60]?(-?\d+(?:\.\d+)?|[\w-]+(?:\s(?!(?:${STOP}|or|then|so)\b)[\w-]+)?)["'\x60]?`,
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
    /\b(?:drop|remove|exclude|delete|discard|leave out|take out|takes out|taking out|get rid of|getting rid of)\s+(?:the\s+)?(?:columns?\s+|features?\s+|fields?\s+)?(.+?)(?=\s+(?:columns?|features?|fields?)\b|[;:!?]|\.(?:\s|$)|\s+(?:then|before|after|so|to|from|first|and then|and (?:train|predict|split|version|deploy|scale|impute|fill|one-hot|dedupe|remove|drop))\b|,\s*(?:then|train|predict|split|and|impute|fill|one-?hot|encode|scale|standardi[sz]e|normali[sz]e|clip|cap|dedupe|keep|filter|cast|convert)\b|$)/gi,
  )) {
    const list = (m[1] as string).trim();
    // "remove cars from before 1975", "drop everything before 2008": rows by time (prep-more.ts), not columns.
    const rest = `${list} ${goal.slice((m.index ?? 0) + m[0].length).trim()}`;
    if (/^(?:[\w-]+\s+){0,2}(?:from\s+)?(?:before|after|since|until|prior to)\s+\d{4}/i.test(rest)) continue;
    // "drop nothing else": no column.
    if (/^(?:nothing|none)\b/i.test(list)) continue;
    // "take out 20% for testing", "take out a tenth": a share of rows, not a column.
    if (/^(?:\d|(?:a|an|another|one)\s+(?:half|third|quarter|fifth|tenth)\b|half\b)/i.test(list)) continue;
    if (
      NOT_COLUMNS.test(list) ||
      /^(rows|any rows|records)\b/i.test(list) ||
      /\b(?:where|whose)\b/i.test(list)
    )
      continue;
    out.push({ at: m.index ?? 0, p: { op: 'drop', list } });
  }
  const dropnaAll = new RegExp(
    String.raw`\b(?:${REMOVE}|skip|skipping|exclude|excluding)\s+(?:the\s+|any\s+|all\s+)?(?:(?:dupes|duplicates?|duplicate rows)\s+(?:and|&)\s+)?(?:rows|records|entries)?\s*(?:with|that have|containing|where)?\s*(?:any\s+)?(?:missing|nulls?|nans?|nas?|empty|incomplete)\b|\bdrop\s*na\b|\bdropna\b|\b(?:rows|records|entries)\s+(?:with|that have|containing)\s+(?:any\s+)?(?:missing|null|nan|empty)\s+(?:values?|cells?|data|fields?)\s+${PASSIVE_GONE}`,
    'i',
  ).exec(goal);
  // "remove rows with missing Sex" drops the rows missing Sex, not every row with a gap.
  const sameWords =
    dropnaAll && listed && dropnaCol && Math.abs((dropnaAll.index ?? 0) - (dropnaCol.index ?? 0)) < 3;
  if (!sameWords) add(dropnaAll, { op: 'dropna' });
  // "fill missing Sex with 'unknown'": a quoted word is the constant, for that column.
  const fillText = new RegExp(
    String.raw`\b(?:fill|fills|filling|replace|replaces|replacing|impute|imputing)\s+(?:in\s+)?(?:the\s+)?(?:(?:missing|nulls?|gaps?|nas?|empty|blank)\s+)?(?:values?\s+|cells?\s+)?(?:(?:in|of|for)\s+)?(?:the\s+)?(?:${COLUMN}\s+)?with\s+(?:the\s+(?:string|value|word|text)\s+)?["'\x60]([^"'\x60]+)["'\x60]`,
    'i',
  ).exec(goal);
  const impute =
    /\b(?:impute[sd]?|imputing|fill(?:s|ed|ing)?(?:\s+in)?|replace|complet(?:e|es|ing)\s+(?:the\s+)?(?:empty|missing|blank|null)|complet(?:e|es|ing)\s+(?:the\s+)?gaps)\b[^.;]{0,40}?\b(median|mean|average|mode|most[- ](?:frequent|common)|commonest|zeros?|0)\b/i.exec(
      goal,
    ) ?? /\b(median|mean|mode)[- ]imput/i.exec(goal);
  if (fillText) {
    const list = fillText[1]?.replace(/\s+(?:column|field)$/i, '');
    out.push({
      at: fillText.index ?? 0,
      p: {
        op: 'impute',
        strategy: 'constant',
        value: fillText[2] as string,
        ...(list && !/^(?:missing|nulls?|gaps?|values?|them|it)$/i.test(list) ? { list } : {}),
      },
    });
  } else if (impute) {
    const w = (impute[1] as string).toLowerCase();
    const strategy =
      w === 'average'
        ? 'mean'
        : w.startsWith('most') || w === 'commonest'
          ? 'mode'
          : w.startsWith('zero') || w === '0'
            ? 'constant'
            : (w as 'mean' | 'median' | 'mode');
    // "the missing Box Office filled with the median", "fill the missing salary with the mean": that column only.
    const MISSING = String.raw`(?:missing|empty|blank|null)\s+(?:values?\s+(?:in|of|for)\s+(?:the\s+)?)?${COLUMN}\s+(?:values?\s+|cells?\s+)?`;
    const named = new RegExp(
      String.raw`\b(?:the\s+)?${MISSING}(?:(?:is|are|gets?|should\s+be|to\s+be)\s+)?(?:filled|imputed|replaced|completed)\b|\b(?:fill|impute|replace)\s+(?:in\s+)?(?:the\s+)?${MISSING}with\b`,
      'i',
    ).exec(goal);
    const list = named?.[1] ?? named?.[2];
    const only =
      list &&
      !/^(?:values?|gaps?|ones?|cells?|data|rows?|nulls?|nas?|entries|fields?|them|it|everything)$/i.test(
        list,
      )
        ? { list }
        : {};
    out.push({
      at: impute.index ?? 0,
      p:
        strategy === 'constant'
          ? { op: 'impute', strategy, value: 0, ...only }
          : { op: 'impute', strategy, ...only },
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
    /\b(?:one[- ]?hot(?:[- ]encod\w*)?|ohe)\s*(?:encode\s+)?(?:the\s+)?([^.;]*?)(?=[.;]|(?:,\s*(?:and\s+)?|\s+and\s+|\s*[+&]\s*)(?:then|train|standard[- ]scale|standardi[sz]e|normali[sz]e|scale|z-?score|impute|fill|drop|remove|delete|throw|toss|take|get\s+rid|ditch|clip|cap|cast|convert|dedupe|filter|keep|split|version|save|register|predict|fit|add)\b|\s+(?:then|and then|before|after)\b|$)|\bdummy (?:variables|encod\w*)\b/i.exec(
      goal,
    );
  if (onehot) {
    const list = (onehot[1] ?? '')
      .replace(/\b(?:categorical|categories|category|text|string)\b.*$/i, '')
      .replace(/\s+col$/i, '')
      .trim();
    out.push({ at: onehot.index ?? 0, p: list ? { op: 'onehot', list } : { op: 'onehot' } });
  }
  add(
    /\b(?:clip|winsori[sz]e|cap|remove|drop|trim|handle)\s+(?:the\s+)?(?:extreme\s+)?outliers\b/i.exec(goal),
    { op: 'clip' },
  );
  const symbols = parseDeriveClip(goal);
  const derived = new Set(symbols.flatMap((o) => (o.p.op === 'derive' ? [o.p.name] : [])));
  // A derived column said in words, unless the same column was read from its symbols.
  const words = parseDeriveWords(goal).filter((o) => o.p.op === 'derive' && !derived.has(o.p.name));
  const more = [
    ...parseMorePrep(goal),
    ...parseSelect(goal),
    ...parseValueFilter(goal),
    ...symbols,
    ...words,
    ...parseAggregate(goal),
  ];
  // "clip X at the 99th percentile" is the same clip as "clip outliers", with its columns and bounds.
  const said = more.some((o) => o.p.op === 'clip') ? out.filter((o) => o.p.op !== 'clip') : out;
  return [...said, ...more].sort((a, b) => a.at - b.at).map((o) => o.p);
}
