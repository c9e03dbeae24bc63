/**
 * More data preparation (prep.ts reads the rest): casts ("cast Release Date to a date", "convert price to a
 * number"), clips at percentiles ("clip X at the 1st and 99th percentile", "winsorize X at 5%/95%") and row
 * filters on the data's time column when none is named ("keep only the rows from 2005 on", "only data since
 * 2019-06-01"). Each with the position it was said at, so that prep.ts keeps goal order.
 */
import type { PrepIntent } from '../intent.ts';

type CastType = Extract<PrepIntent, { op: 'cast' }>['type'];
const CAST_TYPES: [RegExp, CastType][] = [
  [/^(?:date)s?$/i, 'DATE'],
  [/^(?:datetime|timestamp|time)s?$/i, 'TIMESTAMP'],
  [/^(?:integer|int|whole number)s?$/i, 'INTEGER'],
  [/^(?:number|numeric|float|double|decimal)s?$/i, 'DOUBLE'],
  [/^(?:string|text|varchar|str)s?$/i, 'VARCHAR'],
  [/^(?:boolean|bool)s?$/i, 'BOOLEAN'],
];
const TYPE_WORD = String.raw`(?:dates?|datetimes?|timestamps?|integers?|ints?|whole numbers?|numbers?|numeric|floats?|doubles?|decimals?|strings?|text|varchar|str|booleans?|bool)`;
/** A column phrase of one to four words; never a pronoun or "the data". */
const COLUMN = String.raw`["'\x60]?(?!(?:it|them|this|that|the data|everything|all)\b)((?:[\w()%-]+\s+){0,3}?[\w()%-]+)["'\x60]?`;
const DAY = String.raw`(\d{4}-\d{2}-\d{2}|\d{4})`;

/** "1st" → 0.01, "99th" → 0.99, "5%" → 0.05. */
function quantile(raw: string): number {
  return Math.round(Number(raw)) / 100;
}

/** A row filter on the data's time column ("rows from 2005 on"): a year compares `year`, a day `date`. */
function timeWhere(
  value: string,
  at: number,
  cmp: Extract<PrepIntent, { op: 'where' }>['cmp'],
  keep: boolean,
): { at: number; p: PrepIntent } {
  return {
    at,
    p: { op: 'where', column: value.length === 4 ? 'year' : 'date', cmp, value, keep, timeColumn: true },
  };
}

/** The rows a time word drops: "before 1980" drops those < 1980, "until" <=, "since" >=, "after" / "newer than" >. */
function droppedSide(word: string): Extract<PrepIntent, { op: 'where' }>['cmp'] {
  if (/after|newer|later/.test(word)) return '>';
  if (word === 'until') return '<=';
  return word === 'since' ? '>=' : '<';
}

export function parseMorePrep(goal: string): { at: number; p: PrepIntent }[] {
  const out: { at: number; p: PrepIntent }[] = [];
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:(?:cast|casts|casting|convert|converts|converting|parse|parses|parsing|turn|turns|change|changes)\s+(?:the\s+)?${COLUMN}\s+(?:column\s+|field\s+)?(?:to|into|as)|(?:make|makes)\s+(?:the\s+)?${COLUMN}(?:\s+column|\s+field)?)\s+(?:a\s+|an\s+|proper\s+|real\s+)*(${TYPE_WORD})\b`,
      'gi',
    ),
  )) {
    const type = CAST_TYPES.find(([re]) => re.test(m[3] as string))?.[1];
    const list = m[1] ?? m[2];
    if (type && list) out.push({ at: m.index ?? 0, p: { op: 'cast', list, type } });
  }
  // Passive: "the date column must be converted to a proper DATE type", "price needs to be cast to a number".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b${COLUMN}\s+(?:column\s+|field\s+)?(?:(?:(?:should|must|will|shall|has\s+to|have\s+to|needs?\s+to|is\s+to|are\s+to|ought\s+to)\s+be|is|are|gets?|to\s+be)\s+(?:converted|cast|casted|parsed|turned|changed)\s+(?:to|into|as)|(?:(?:should|must|will|shall|has\s+to|have\s+to|needs?\s+to|ought\s+to)\s+become|becomes))\s+(?:a\s+|an\s+|proper\s+|real\s+)*(${TYPE_WORD})\b`,
      'gi',
    ),
  )) {
    const type = CAST_TYPES.find(([re]) => re.test(m[2] as string))?.[1];
    // "and the zip": the words after the last joining word.
    const list = (m[1] as string)
      .split(/\b(?:and|then|the|also|so|but|with|while|where|plus)\s+/i)
      .pop()
      ?.trim();
    if (type && list) out.push({ at: m.index ?? 0, p: { op: 'cast', list, type } });
  }
  // "clip X at the 1st and 99th percentile", "winsorize X at 1%/99%", "cap X at the 99th percentile",
  // "clip X in data/p.json to the 1st and 99th percentiles".
  const IN_FILE = String.raw`(?:(?:in|of|from)\s+["'\x60]?[\w./-]+\.\w+["'\x60]?\s+)?`;
  const PCT = String.raw`(\d{1,2}(?:\.\d+)?)(?:st|nd|rd|th)?\s*%?`;
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:clip|clips|clipping|cap|caps|capping|winsori[sz]e|winsori[sz]ing|trim|trims|trimming)\s+(?:the\s+)?(?:(?:everything|all(?:\s+(?:numeric|numerical))?(?:\s+(?:columns|values|features))?|outliers|extremes|values|numbers|them|it)\s+|${COLUMN}\s+${IN_FILE})?(?:at|to|between)\s+(?:the\s+)?${PCT}(?:\s*(?:and|-|to|/|,)\s*(?:the\s+)?${PCT})?\s*(?:percentiles?|quantiles?|pct\b)?`,
      'gi',
    ),
  )) {
    const said = m[0];
    if (!/%|percentile|quantile|pct|\d(?:st|nd|rd|th)\b/i.test(said)) continue;
    const a = quantile(m[2] as string);
    const b = m[3] !== undefined ? quantile(m[3]) : undefined;
    // One bound is the same share off both ends: "at the 99th percentile" = [0.01, 0.99].
    const [lo, hi] = b !== undefined ? [Math.min(a, b), Math.max(a, b)] : a > 0.5 ? [1 - a, a] : [a, 1 - a];
    const round = (x: number) => Math.round(x * 1000) / 1000;
    out.push({
      at: m.index ?? 0,
      p: { op: 'clip', ...(m[1] ? { list: m[1] } : {}), quantiles: [round(lo), round(hi)] },
    });
  }
  // "keep only the rows from 2005 on", "only use data since 2019-06-01", "keep records before 1999".
  const KEEP = String.raw`(?:keep|keeping|use|using|select|selecting|only|want|wants|need|needs)`;
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b${KEEP}\s+(?:only\s+|just\s+)?(?:(?:keep|use|select)\s+)?(?:the\s+)?(?:rows|records|entries|data|observations|years?)\s+(?:(from|since|after|before|until|up to|prior to|through|newer than|later than|older than|earlier than)\s+)?${DAY}(\s+(?:on|onwards?|and later|or later|and after|and newer|and earlier|or earlier|and before|and older))?\b`,
      'gi',
    ),
  )) {
    const word = (m[1] ?? '').toLowerCase();
    const tail = (m[3] ?? '').toLowerCase();
    // "keep years 1980 and later": no preposition, the tail says which side.
    if (!word && !tail) continue;
    const cmp = /earlier|before|older/.test(tail)
      ? '<='
      : !word || ['from', 'since'].includes(word)
        ? '>='
        : ['after', 'newer than', 'later than'].includes(word)
          ? '>'
          : ['until', 'up to', 'through'].includes(word)
            ? '<='
            : '<';
    out.push(timeWhere(m[2] as string, m.index ?? 0, cmp, true));
  }
  // Passive: "rows before 1980 should be dropped", "anything older than 2000 is removed".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:rows|records|entries|data|observations|everything|anything|years)\s+(?:from\s+)?(before|prior to|after|until|since|older than|earlier than|newer than|later than)\s+${DAY}\s+(?:(?:should|must|will|can|need to|needs to|have to|has to|are to|is to)\s+(?:all\s+)?be|(?:are|is|get|gets)(?:\s+all)?)\s+(?:dropped|removed|deleted|excluded|discarded|filtered out|thrown out|thrown away|tossed)\b`,
      'gi',
    ),
  )) {
    out.push(timeWhere(m[2] as string, m.index ?? 0, droppedSide((m[1] as string).toLowerCase()), false));
  }
  // "remove cars from before 1975", "drop everything before 2008": the rows outside a time are dropped.
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:remove|removes|removing|drop|drops|dropping|delete|deleting|exclude|excluding|discard|discarding|filter out|get rid of|throw out|take out)\s+(?:the\s+|all\s+|every\s+|each\s+|any\s+)?(?:rows?|records?|entries|entry|data|observations?|everything|anything|[\w-]+s)?\s*(?:from\s+)?(before|prior to|after|until|since|older than|earlier than|newer than|later than)\s+${DAY}\b`,
      'gi',
    ),
  )) {
    out.push(timeWhere(m[2] as string, m.index ?? 0, droppedSide((m[1] as string).toLowerCase()), false));
  }
  // "filter the data to 2001 and later", "restrict it to the years up to 2005", "limit x.csv to year 1990 onwards".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:filter|filters|filtering|restrict|restricts|restricting|limit|limits|limiting|narrow|narrowing|cut|trim)\s+(?:\S+\s+){0,2}?(?:down\s+)?to\s+(?:the\s+)?(?:(?:rows|records|data|years?|dates?)\s+)?(from\s+|since\s+|after\s+|before\s+|up\s+to\s+|until\s+|through\s+)?${DAY}(\s+(?:and|or)\s+(?:later|after|newer|earlier|before|older)|\s+(?:on|onwards?))?\b`,
      'gi',
    ),
  )) {
    const word = (m[1] ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
    const tail = (m[3] ?? '').trim().toLowerCase();
    const cmp = /earlier|before|older/.test(tail)
      ? '<='
      : tail
        ? '>='
        : word === 'after'
          ? '>'
          : word === 'before'
            ? '<'
            : ['up to', 'until', 'through'].includes(word)
              ? '<='
              : word
                ? '>='
                : undefined;
    if (cmp) out.push(timeWhere(m[2] as string, m.index ?? 0, cmp, true));
  }
  // "keep only year 2005", "only the year 1999".
  for (const m of goal.matchAll(
    /\b(?:(?:keep|keeping|use|using|select|selecting)\s+)?only\s+(?:the\s+)?(?:rows\s+(?:from|of|in)\s+)?(?:the\s+)?year\s+(\d{4})\b/gi,
  ))
    out.push({
      at: m.index ?? 0,
      p: { op: 'where', column: 'year', cmp: '=', value: m[1] as string, keep: true, timeColumn: true },
    });
  return out;
}

/** The columns duplicates are judged by: "remove duplicate titles", "dedupe on email", "dedupe by Title". */
export function dedupeKeys(goal: string): string | undefined {
  const m = new RegExp(
    [
      String.raw`\b(?:remove|removing|drop|dropping|delete|deleting|get rid of|eliminate|filter out|take out|taking out)\s+(?:the\s+|any\s+|all\s+)?(?:duplicated?|repeated)\s+(?!(?:rows?|records?|entries|entry|values?|data|lines?|ones?|items?|copies)\b)([\w()%-]+)(?=\s*(?:[,;.!?]|$)|\s+(?:and|then|from|in|so|before|first)\b)`,
      String.raw`\bde-?dup\w*\s+(?:(?:it|the data|the rows|them)\s+)?(?:on|by|using)\s+(?:the\s+)?${COLUMN}(?=\s*(?:[,;.!?]|$)|\s+(?:and|then|from|in|so|before|first|column)\b)`,
    ].join('|'),
    'i',
  ).exec(goal);
  return m?.[1] ?? m?.[2];
}
