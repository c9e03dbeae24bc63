/**
 * A column to predict said by what it means, not by its name: "how heavy a penguin is" → Body Mass (g),
 * "where a car was made (USA, Europe or Japan)" → Origin, "how long people live" → life_expect. Two signals,
 * read only from the clauses that say what to predict (target phrases and how / where / which questions):
 * everyday words matched to words of the file's real column names, and category values the goal lists
 * matched to the sample values of a text column. A column is picked only when exactly one fits.
 */
import type { DatasetDescription } from '../describe-dataset.ts';
import { sameWord, words } from './words.ts';

/** Everyday words for a quantity, and the words a column name holding it uses. */
const CONCEPTS: { said: RegExp; column: string[] }[] = [
  { said: /\b(?:heavy|heavier|weighs?|weight|mass)\b/i, column: ['mass', 'weight'] },
  {
    said: /\bwhere\b.*\b(?:made|built|manufactured|produced|assembled|from)\b|\b(?:which|what)\s+country\b|\bcountry\s+of\s+origin\b|\borigin\b/i,
    column: ['origin', 'made', 'manufactured'],
  },
  {
    said: /\bhow\s+long\b.*\blive[sd]?\b|\blife\s*spans?\b|\blife\s+expectancy\b|\blongevity\b|\bage\s+at\s+death\b/i,
    column: ['life', 'lifespan', 'longevity'],
  },
  {
    said: /\bfuel\b|\bconsumption\b|\b(?:fuel\s+)?economy\b|\befficien\w*|\bmileage\b|\bmpg\b|\bmiles\s+per\s+gallon\b/i,
    column: ['mpg', 'gallon', 'fuel', 'consumption', 'economy', 'efficiency'],
  },
  {
    said: /\bprices?\b|\bcosts?\b|\bcosting\b|\bexpensive\b|\bcheap\b|\bbudget\b/i,
    column: ['price', 'cost', 'budget'],
  },
  { said: /\brain\w*|\bprecipitation\b|\bhow\s+wet\b/i, column: ['precipitation', 'rain', 'rainfall'] },
  {
    said: /\bhot(?:test)?\b|\bwarm\w*|\bcold\w*|\bcool(?:est)?\b|\btemperatures?\b|\btemps?\b/i,
    column: ['temp', 'temperature'],
  },
  { said: /\blate\b|\blateness\b|\bdelay\w*|\bbehind\s+schedule\b/i, column: ['delay', 'late', 'lateness'] },
  { said: /\bhow\s+many\b|\bcounts?\b|\bnumber\s+of\b/i, column: ['count', 'number', 'total'] },
  { said: /\bwind(?:y|iest)?\b/i, column: ['wind'] },
  { said: /\bharvest\w*|\byields?\b|\bcrops?\b/i, column: ['yield', 'harvest'] },
  {
    said: /\bhow\s+(?:many|much)\b.*\bpeople\b|\bpopulation\b|\binhabitants\b/i,
    column: ['pop', 'population'],
  },
  { said: /\bbab(?:y|ies)\b|\bbirths?\b|\bchildren\s+per\s+woman\b/i, column: ['fertility', 'births'] },
  { said: /\bpowerful\b|\bhow\s+much\s+power\b/i, column: ['horsepower', 'power', 'hp'] },
];

/** Direction words that pick the max or the min column of a pair (temp_max / temp_min). */
const HIGH = /\b(?:hot|hotter|hottest|warm|warmer|warmest|highest|peak|max(?:imum)?|top)\b/i;
const LOW = /\b(?:cold|colder|coldest|cool|cooler|coolest|lowest|min(?:imum)?|bottom)\b/i;

/** The clauses that say what to predict: "how heavy a penguin is", "where a car was made" (up to "from"). */
function askingClauses(goal: string): string[] {
  const out: string[] = [];
  for (const m of goal.matchAll(/\b(?:how|where|which|what|whether)\b[^.;:?!()\n,]{0,80}/gi))
    out.push(
      (m[0] as string).split(/\s(?:from|using|with|based on|given|in data\/|on data\/|off)\s/i)[0] as string,
    );
  return out;
}

function columnWords(name: string): string[] {
  return words(name).filter((w) => !['g', 'kg', 'mm', 'cm', 'lbs', 'lb', 'in', 'per', 'usd'].includes(w));
}

/** Columns whose names hold a word of the concepts the clauses say. */
function byConcept(clauses: string[], names: string[]): string[] {
  const hits = new Set<string>();
  for (const clause of clauses)
    for (const c of CONCEPTS) {
      if (!c.said.test(clause)) continue;
      let found = names.filter((n) =>
        columnWords(n).some((w) => c.column.some((cw) => w === cw || (cw.length >= 4 && sameWord(w, cw)))),
      );
      // "how hot" of temp_max / temp_min: the max; "how warm or cold": either, so no pick.
      if (found.length > 1) {
        const high = HIGH.test(clause);
        const low = LOW.test(clause);
        if (high !== low) {
          const side = found.filter((n) => columnWords(n).some((w) => (high ? /^max/ : /^min/).test(w)));
          if (side.length) found = side;
        }
      }
      for (const n of found) hits.add(n);
    }
  return [...hits];
}

/** Text columns whose values (or sample values) appear in a list the goal gives ("(USA, Europe or Japan)"). */
function byValues(goal: string, data: DatasetDescription, names: string[]): string[] {
  const items = new Set<string>();
  const article = String.raw`(?:(?:an?|the)\s+)?`;
  const list = new RegExp(
    String.raw`((?:[\w-]+\s*,\s*)+[\w-]+,?\s+(?:or|and)\s+${article}[\w-]+|[\w-]+\s+or\s+${article}[\w-]+)`,
    'gi',
  );
  for (const m of goal.matchAll(list))
    for (const w of (m[1] as string).split(/\s*,\s*|\s+(?:or|and)\s+/))
      items.add(w.replace(/^(?:an?|the)\s+/i, '').toLowerCase());
  if (!items.size) return [];
  return names.filter((n) => {
    const col = data.columns.find((c) => c.name === n);
    if (!col || !/CHAR|TEXT|STRING|VARCHAR/i.test(col.type)) return false;
    // With the column's full list of values, two of the listed items must be among them; else one sample value.
    if (col.values) return col.values.filter((v) => items.has(v.toLowerCase())).length >= 2;
    return data.sample.some((row) => {
      const v = row[n];
      return typeof v === 'string' && items.has(v.toLowerCase());
    });
  });
}

/** The one column the goal means, or undefined when none or several fit. */
export function targetByMeaning(
  goal: string,
  phrases: string[],
  data: DatasetDescription,
  names: string[],
): string | undefined {
  const clauses = [...phrases, ...askingClauses(goal)];
  const found = new Set([...byConcept(clauses, names), ...byValues(goal, data, names)]);
  return found.size === 1 ? [...found][0] : undefined;
}
