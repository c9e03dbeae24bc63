/**
 * A registry-style name, then the alias it sits under: "the cars-mpg of staging", "penguins-species from prod".
 * Not a file name, and not "x.json from the staging cars-mpg model", where the alias belongs to what follows.
 */
import { ALIASES, FILLER, NAME } from './reference-words.ts';

export interface AliasOfPhrase {
  at: number;
  end: number;
  text: string;
  /** The model name, lower case. */
  name: string;
  alias: string;
}

const ALIAS_OF = new RegExp(
  String.raw`\b(${NAME}-${NAME})\s+(?:of|from)\s+(?:the\s+)?(\w+)\b(?!\s+[\w-]*-|\s+\w+\s+(?:model|version)\b|\s+(?:model|version)\b)`,
  'gi',
);

const HEADING = new RegExp(
  String.raw`(?:^|\n)\s*(?:[-*]\s+)?(${NAME})\s+(prod|production|staging)\s*(?::|\s-\s)`,
  'gi',
);

/** "live penguins traffic", "the production cars requests": a live word, one model word, then what it serves. */
const LIVE_WORD_SERVING = new RegExp(
  String.raw`\b(live|production|prod|deployed)\s+(${NAME})\s+(?:traffic|requests|latency|error\s+rate|inputs)\b`,
  'gi',
);

/** "the live one for penguins", "the production model of cars": the alias first, the model word after "for/of". */
const ALIAS_ONE_FOR = new RegExp(
  String.raw`\b(?:the\s+)?(live|production|prod|staging|deployed)\s+(?:one|model|version)\s+(?:for|of)\s+(?:the\s+)?(${NAME})\b(?!\s+(?:data|file|rows|dataset)\b)`,
  'gi',
);

export function aliasOfPhrases(text: string): AliasOfPhrase[] {
  const out: AliasOfPhrase[] = [];
  for (const m of text.matchAll(ALIAS_OF)) {
    const name = m[1] as string;
    const alias = ALIASES[(m[2] as string).toLowerCase()];
    if (!alias || /[./]/.test(name)) continue;
    const at = m.index ?? 0;
    out.push({ at, end: at + m[0].length, text: m[0], name: name.toLowerCase(), alias });
  }
  // "penguins prod: go back to v1", "cars staging - promote it": a heading of a model word and an alias.
  for (const m of text.matchAll(HEADING)) {
    const name = (m[1] as string).toLowerCase();
    const alias = ALIASES[(m[2] as string).toLowerCase()];
    if (!alias || FILLER.has(name)) continue;
    const at = (m.index ?? 0) + m[0].indexOf(m[1] as string);
    out.push({
      at,
      end: at + (m[1] as string).length + 1 + (m[2] as string).length,
      text: `${m[1]} ${m[2]}`,
      name,
      alias,
    });
  }
  for (const m of text.matchAll(LIVE_WORD_SERVING)) {
    const name = (m[2] as string).toLowerCase();
    if (FILLER.has(name) || ALIASES[name]) continue;
    const at = (m.index ?? 0) + m[0].indexOf(m[2] as string, (m[1] as string).length);
    out.push({ at, end: at + name.length, text: m[0], name, alias: 'production' });
  }
  return out;
}

/** "the live one for penguins": read before "the <word> one", which would take the alias alone. */
export function aliasOneForPhrases(text: string): AliasOfPhrase[] {
  const out: AliasOfPhrase[] = [];
  for (const m of text.matchAll(ALIAS_ONE_FOR)) {
    const name = (m[2] as string).toLowerCase();
    const word = (m[1] as string).toLowerCase();
    if (FILLER.has(name) || ALIASES[name] || /[./]/.test(name)) continue;
    const at = m.index ?? 0;
    const alias = ALIASES[word] ?? 'production';
    out.push({ at, end: at + m[0].length, text: m[0], name, alias });
  }
  return out;
}
