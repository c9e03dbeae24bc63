/**
 * Model references by the role a model plays or the tag it carries: "whichever cars model is live right now",
 * "the one serving traffic" (production), "the churn model tagged beta", "churn-risk labelled nightly", "the
 * fraud classifier with the beta label" (an alias of any name; the resolver asks when there is none).
 */
import type { ModelReference } from '../intent.ts';
import {
  ALIASES,
  BOUNDARY,
  classify,
  NAME,
  NOUN,
  refWords,
  roleOf,
  SITTING,
  SITTING_VERB,
} from './reference-words.ts';

/** "… we use now", "… we're currently running", "… they use today": the one in use, said with a time word. */
const USE_VERB = String.raw`(?:use|using|run|running|rely\s+on|relying\s+on|serve|serving)`;
const NOW_WORD = String.raw`(?:now|today|right\s+now|currently|at\s+the\s+moment|these\s+days|at\s+present)`;
const WE_USE_NOW = String.raw`(?:(?:that|which)\s+)?(?:we|you|they|i|people)\s*(?:'re\s+|\s+are\s+|\s+)(?:${NOW_WORD}\s+${USE_VERB}|${USE_VERB}\s+${NOW_WORD})`;

/** The role and tag phrases of a text, with where each starts and ends. */
export function rolesAndTags(text: string): { at: number; end: number; ref: ModelReference }[] {
  const out: { at: number; end: number; ref: ModelReference }[] = [];
  // "whichever cars model is live right now", "the classifier that's currently deployed", "the one serving
  // traffic": a model by the role it plays now, which is its production alias.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:the|whatever|whichever)\s+(?:([\w-]+)\s+)?(?:${NOUN}|version|one)\s+(?:(?:(?:that|which)\s*(?:'s|\s+is|\s+are)?|'s|is|are)\s+(?:currently\s+|now\s+)?(?:live|deployed|serving|in\s+use)|(?:currently\s+|now\s+)?(?:serving|handling)\s+(?:the\s+)?(?:traffic|requests|users|predictions)|(?:currently|now)\s+(?:live|deployed|serving|in\s+use)|${WE_USE_NOW})\b(?!\s+(?:to|in|on|at)\s+(?:the\s+)?(?:staging|canary|dev|test)\b)`,
      'gi',
    ),
  )) {
    const word = (m[1] ?? '').toLowerCase();
    const c = classify(refWords(BOUNDARY.test(word) ? '' : word));
    out.push(refAt(text, m, { words: c.words, alias: c.alias ?? 'production' }));
  }
  // "the churn model tagged beta", "churn-risk labelled nightly": a model by an alias of any name (the resolver
  // asks, naming the real aliases, when there is none of that name).
  const TAGGED = String.raw`\s+(?:(?:that|which)\s*(?:'s|\s+is|\s+was)?\s+|'s\s+)?(?:tagged|aliased|labell?ed|marked)\s+(?:as\s+|with\s+)?["'\x60]?([A-Za-z][\w.-]*)`;
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:the|whatever|whichever)\s+(?:([\w-]+)\s+)?(?:${NOUN}|version|build|release|checkpoint)${TAGGED}|\b(${NAME}-${NAME})(?:\s+(?:model|version|build|release|checkpoint))?${TAGGED}`,
      'gi',
    ),
  )) {
    out.push(taggedRef(text, m, m[1] ?? m[3], m[3], (m[2] ?? m[4]) as string));
  }
  // "the churn-risk model with the nightly tag", "the fraud classifier with the beta label".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:(?:the|whatever|whichever)\s+(?:([\w-]+)\s+)?(?:${NOUN}|version|build|release)|(${NAME}-${NAME})(?:\s+(?:model|version|build|release))?)\s+with\s+the\s+["'\x60]?([A-Za-z][\w.-]*)["'\x60]?\s+(?:tag|alias|label)\b`,
      'gi',
    ),
  )) {
    out.push(taggedRef(text, m, m[1] ?? m[2], m[2], m[3] as string));
  }
  // "whatever churn-risk keeps under the beta alias", "churn-risk under its nightly tag", "whatever is tagged blue
  // on churn-risk": an alias said around the name, with the word alias/tag or a tagging verb.
  const TAG = String.raw`["'\x60]?([A-Za-z][\w.-]*)["'\x60]?`;
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:(?:whatever|whichever|what)\s+)?(${NAME}-${NAME})(?:\s+(?:model|version|build|release))?\s+(?:(?:has|holds|keeps|carries|got|points\s+to)\s+)?(?:(?:under|at|on|behind|as|from)\s+)?(?:the|its|a)\s+${TAG}\s+(?:alias|tag|label)\b|\b(?:(?:whatever|whichever|what)\s+)?(${NAME}-${NAME})'s\s+${TAG}\s+(?:alias|tag|label)\b|\b(?:whatever|whichever)\s+(?:(?:version|model|one|build|release)\s+)?(?:(?:is|'s|was)\s+)?(?:currently\s+)?(?:tagged|aliased|labell?ed|marked)\s+(?:as\s+|with\s+)?${TAG}\s+(?:on|in|of|for|at|under)\s+(?:the\s+)?(${NAME}-${NAME})\b`,
      'gi',
    ),
  )) {
    const name = m[1] ?? m[3] ?? m[6];
    out.push(taggedRef(text, m, name, name, (m[2] ?? m[4] ?? m[5]) as string));
  }
  // "the churn model that's in canary", "churn-risk which is on canary": the version a running canary serves.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:the|whichever)\s+(?:([\w-]+)\s+)?(?:${NOUN}|version|one)${IN_CANARY}|\b(${NAME}-${NAME})${IN_CANARY}`,
      'gi',
    ),
  )) {
    const word = (m[1] ?? '').toLowerCase();
    const c = classify(refWords(BOUNDARY.test(word) ? '' : word));
    out.push(refAt(text, m, { words: m[2] ? [m[2].toLowerCase()] : c.words, name: m[2], alias: 'canary' }));
  }
  return out;
}

/** "… that's (currently) in canary", "… which is on canary", "… being canaried": the state, not a new canary. */
const IN_CANARY = String.raw`\s+(?:(?:that|which)\s*(?:'s|\s+is)?\s+|'s\s+|is\s+)?(?:currently\s+|now\s+|still\s+)?(?:(?:in|on|under)\s+(?:a\s+|the\s+)?canary|being\s+canar(?:y|ie)d|canarying)\b(?!\s+(?:at|for|with)\b)`;
/** A model named by the canary it is in: the word "canary" there starts no new canary. */
export const IN_CANARY_PHRASE = new RegExp(IN_CANARY, 'gi');

/** A reference found at a match: where it starts and ends, who it is for (the words before it), and what it names. */
function refAt(
  text: string,
  m: RegExpMatchArray,
  said: { words: string[]; name?: string | undefined; alias: string },
): { at: number; end: number; ref: ModelReference } {
  const at = m.index ?? 0;
  return {
    at,
    end: at + m[0].length,
    ref: {
      text: m[0],
      role: roleOf(text.slice(0, at)),
      words: said.words,
      ...(said.name ? { name: said.name } : {}),
      alias: said.alias,
    },
  };
}

/** A model said with the tag it carries: its name (when said), its description words, the tag as an alias. */
function taggedRef(
  text: string,
  m: RegExpMatchArray,
  said: string | undefined,
  name: string | undefined,
  tag: string,
): { at: number; end: number; ref: ModelReference } {
  const word = (said ?? '').toLowerCase();
  const c = classify(refWords(BOUNDARY.test(word) ? '' : word));
  return refAt(text, m, { words: c.words, name, alias: ALIASES[tag.toLowerCase()] ?? tag.toLowerCase() });
}

/** "the model that's in staging", "whatever cars-mpg is sitting on staging": a model by the alias it is at now. */
export function modelsAtAlias(text: string): { at: number; end: number; ref: ModelReference }[] {
  const out: { at: number; end: number; ref: ModelReference }[] = [];
  // "the model that's in staging", "whichever model is currently in production": a model by its alias.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:the|whatever|whichever)\s+(?:([\w-]+(?:\s+[\w-]+){0,2})\s+)?(?:${NOUN}|version)\s+${SITTING}(?:in|on|at)\s+(?:the\s+)?(production|prod|staging)\b`,
      'gi',
    ),
  )) {
    const at = m.index ?? 0;
    // "put the model in production": where a model goes, not a model that is there.
    if (
      !SITTING_VERB.test(m[0]) &&
      /\b(?:put|puts|deploy|deploys|push|pushes|ship|ships|move|moves|release|promote|place|get|keep|land|serve)\s+$/i.test(
        text.slice(0, at),
      )
    )
      continue;
    // "the most recent churn model": description words; a verb or preposition among them is another phrase.
    const said = (m[1] ?? '').split(/\s+/).filter(Boolean);
    if (said.length > 1 && said.some((w) => BOUNDARY.test(w))) continue;
    const c = classify(refWords(said.join(' ')));
    out.push(refAt(text, m, { words: c.words, alias: ALIASES[(m[2] as string).toLowerCase()] as string }));
  }
  // "the model of cars that is in staging", "the classifier for penguins which sits on prod": words after the noun.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:the|whatever|whichever)\s+(?:${NOUN}|version)\s+(?:of|for)\s+(?:the\s+)?([\w-]+(?:\s+[\w-]+)??)\s+${SITTING}(?:in|on|at)\s+(?:the\s+)?(production|prod|staging)\b`,
      'gi',
    ),
  )) {
    const said = (m[1] as string).split(/\s+/);
    if (!SITTING_VERB.test(m[0]) || said.some((w) => BOUNDARY.test(w))) continue;
    const c = classify(refWords(said.join(' ')));
    out.push(refAt(text, m, { words: c.words, alias: ALIASES[(m[2] as string).toLowerCase()] as string }));
  }
  // "whatever cars-mpg is on staging rn", "the churn-risk that's in prod": a registry-style name, then its alias.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:whatever|whichever|the)\s+([a-z0-9]+(?:[-_][a-z0-9]+)+)\s+${SITTING}(?:in|on|at)\s+(?:the\s+)?(production|prod|staging)\b`,
      'gi',
    ),
  )) {
    if (!SITTING_VERB.test(m[0])) continue;
    out.push(
      refAt(text, m, {
        words: [(m[1] as string).toLowerCase()],
        alias: ALIASES[(m[2] as string).toLowerCase()] as string,
      }),
    );
  }
  // "the version of churn-risk that staging points to", "whatever prod is pointing at", "whatever the beta alias
  // points to": the version an alias points at (any alias name when said with the word alias or tag).
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:whatever|what|whichever|the\s+(?:version|one|model)(?:\s+of\s+(?:the\s+)?(${NAME}-${NAME}))?\s+(?:that|which))\s+(?:the\s+)?(?:(production|prod|staging)|([A-Za-z][\w.-]*)\s+(?:alias|tag))\s+(?:points|is\s+pointing|refers|is\s+pointed)\s+(?:to|at)\b`,
      'gi',
    ),
  )) {
    const alias = m[2] ? (ALIASES[m[2].toLowerCase()] as string) : (m[3] as string).toLowerCase();
    out.push(
      refAt(text, m, { words: m[1] ? [m[1].toLowerCase()] : [], name: m[1], alias: ALIASES[alias] ?? alias }),
    );
  }
  // "whatever's in staging", "what is on prod right now": no noun; the model is the one named elsewhere.
  for (const m of text.matchAll(
    /\b(?:whatever|whichever|what)\s*(?:'s|\s+is)\s+(?:currently\s+|now\s+)?(?:(?:sitting|living|parked)\s+)?(?:in|on|at)\s+(?:the\s+)?(production|prod|staging)\b/gi,
  )) {
    out.push(refAt(text, m, { words: [], alias: ALIASES[(m[1] as string).toLowerCase()] as string }));
  }
  return out;
}
