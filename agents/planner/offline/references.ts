/**
 * References to what already exists, as phrases: registered models ("the production cars model",
 * "penguins-species v2", "cars-mpg@staging", "the latest cars-mpg version", "the model that run-… trained",
 * "the new penguins model"), past runs ("the last run", "yesterday's failed run", "last Tuesday's weather
 * training", "run run-20261201-…") and "the newest data". Nothing here knows what exists: the resolver
 * (resolve.ts) binds the phrases to registry entries, runs and dataset versions, or asks.
 *
 * Read from the goal with model families masked (models.ts), so "a random forest model" names no model.
 */
import type { ModelReference } from '../intent.ts';
import { aliasOfPhrases, aliasOneForPhrases } from './reference-alias-of.ts';
import { modelsAtAlias, rolesAndTags } from './reference-roles.ts';
import { trainedOnVersion, trainedVersionPhrases } from './reference-versions.ts';
import {
  ALIASES,
  aliasNamedAfter,
  BOUNDARY,
  classify,
  DATA_WORD,
  deployedTag,
  FILLER,
  NAME,
  NEWER,
  NOUN,
  ordinalVersion,
  QUALIFIERS,
  refWords,
  roleOf,
  runModelPhrases,
  versionDaysAgo,
} from './reference-words.ts';
import { COUNT_WORD, countOf } from './words.ts';

/** Words that never name a model: function words, numbers, durations and amounts ("about", "30", "minutes"). */
const NOT_A_NAME =
  /^(?:about|around|roughly|approximately|over|under|last|past|next|every|each|per|all|any|some|few|several|hours?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|h|m|s|d|percent|pct|stats?|statistics|report|\d+(?:[.,]\d+)*(?:%|h|m|s|d|ms|st|nd|rd|th)?)$/i;
/** True when a reference's words are all words that cannot name a model. */
const namesNothing = (r: ModelReference) =>
  r.words.length > 0 &&
  r.words.every((w) => NOT_A_NAME.test(w)) &&
  !r.alias &&
  !r.qualifier &&
  r.version === undefined &&
  !r.run;
function versionIn(text: string): number | undefined {
  const m = /(?:^|\s|@|:)v(?:ersion)?\s*(\d+)\b|(?::|@)(\d+)\b|\bversion\s+(\d+)\b|\bv(\d+)\b/i.exec(text);
  const n = m?.[1] ?? m?.[2] ?? m?.[3] ?? m?.[4];
  return n ? Number(n) : undefined;
}

/** Model references, in goal order; the same model named twice counts once. */
export function parseModelReferences(text: string): ModelReference[] {
  const found: { at: number; end: number; ref: ModelReference }[] = [];
  const taken: [number, number][] = [];
  const free = (a: number, b: number) => taken.every(([x, y]) => b <= x || a >= y);
  const add = (at: number, end: number, ref: ModelReference) => {
    if (!free(at, end)) return;
    taken.push([at, end]);
    found.push({ at, end, ref });
  };

  // "the model (that) run run-… trained", "whatever model run-… produced", "the model trained by run-…".
  for (const p of runModelPhrases(text)) {
    add(p.at, p.end, {
      text: text.slice(p.at, p.end),
      role: roleOf(text.slice(0, p.at)),
      words: [],
      run: p.run,
    });
  }
  // "version 1 of the penguins species model", "v3 of penguins-species", "the third version of cars-mpg".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:(?:the\s+)?(${COUNT_WORD}|\d+(?:st|nd|rd|th))\s+version|v(\d+)|version\s+(\d+|${COUNT_WORD}))\s+of\s+(?:the\s+)?((?:(?!${NOUN}\b)[\w-]+\s+){0,3}?)(?:${NOUN}\b|(${NAME}-${NAME})\b)`,
      'gi',
    ),
  )) {
    const version = countOf((m[1] ?? m[2] ?? m[3]) as string);
    const c = classify(refWords(`${m[4] ?? ''} ${m[5] ?? ''}`));
    if (version === undefined || (!c.words.length && !c.alias)) continue;
    const at = m.index ?? 0;
    add(at, at + m[0].length, {
      text: m[0],
      role: roleOf(text.slice(0, at)),
      words: c.words,
      ...(m[5] ? { name: m[5] } : {}),
      version,
      ...(c.alias ? { alias: c.alias } : {}),
    });
  }
  for (const f of modelsAtAlias(text)) add(f.at, f.end, f.ref);
  for (const f of rolesAndTags(text)) add(f.at, f.end, f.ref);
  for (const f of aliasOneForPhrases(text))
    add(f.at, f.end, { text: f.text, role: roleOf(text.slice(0, f.at)), words: [f.name], alias: f.alias });
  // "the live penguins endpoint", "the staging cars service": a model by the endpoint that serves it.
  for (const m of text.matchAll(
    /\bthe\s+((?:live|production|prod|deployed|current|serving|staging)\s+[\w-]+)\s+(?:endpoint|service|api|deployment)\b/gi,
  )) {
    const c = classify(refWords(m[1] as string));
    if (!c.words.length) continue;
    const at = m.index ?? 0;
    add(at, at + m[0].length, { text: m[0], role: roleOf(text.slice(0, at)), ...c });
  }
  // "the staging one", "the new one": a role word with "one" for the model named elsewhere in the goal.
  // "the current prod one": two role words.
  // "the current production cars one": role words may come with a name word.
  for (const m of text.matchAll(/\bthe\s+((?:\w+\s+){0,2}\w+)\s+one\b(?!\s+(?:of|hour|day|week|minute))/gi)) {
    const c = classify((m[1] as string).toLowerCase().split(/\s+/));
    if (!c.alias && !c.qualifier) continue;
    if (c.words.length && (c.words.length > 1 || BOUNDARY.test(c.words[0] as string))) continue;
    const at = m.index ?? 0;
    add(at, at + m[0].length, { text: m[0], role: roleOf(text.slice(0, at)), ...c });
  }
  // "the model named trucks-v2", "the model called churn".
  for (const m of text.matchAll(
    new RegExp(String.raw`\bthe\s+model\s+(?:named|called)\s+["'\x60]?(${NAME})`, 'gi'),
  )) {
    const at = m.index ?? 0;
    add(at, at + m[0].length, {
      text: m[0],
      role: roleOf(text.slice(0, at)),
      words: [(m[1] as string).toLowerCase()],
      name: m[1] as string,
    });
  }
  // Registry reference strings: "cars-mpg@staging", "cars-mpg:2", "penguins-species@v3".
  for (const m of text.matchAll(
    new RegExp(String.raw`\b(${NAME})(@[A-Za-z][\w.-]*|:\d+|@\d+)(?=[\s,.;!?)]|$)`, 'g'),
  )) {
    const at = m.index ?? 0;
    const tail = m[2] as string;
    // "7:45", "at 18:00": a time of day, never a model and its version.
    if (/^\d{1,2}$/.test(m[1] as string) && /^:\d{2}$/.test(tail)) continue;
    // "ops@bank.example": an e-mail address, not a model and its alias.
    if (/^@[\w-]+\.[a-z]/i.test(tail)) continue;
    const version = /^[:@]v?(\d+)$/.exec(tail)?.[1];
    add(at, at + m[0].length, {
      text: m[0],
      role: roleOf(text.slice(0, at)),
      words: [(m[1] as string).toLowerCase()],
      name: m[1] as string,
      ...(version ? { version: Number(version) } : { alias: tail.slice(1) }),
    });
  }
  for (const f of trainedVersionPhrases(text)) add(f.at, f.end, f.ref);
  for (const f of aliasOfPhrases(text))
    add(f.at, f.end, { text: f.text, role: roleOf(text.slice(0, f.at)), words: [f.name], alias: f.alias });
  // "<name> v2", "<name> version 2", "version 2 of <name>", "<name> (the) staging version".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(${NAME}-${NAME}|${NAME})(?:'s)?\s+(?:(?:model\s+)?v(\d+)\b|(?:model\s+)?version\s+(\d+|${COUNT_WORD})\b|(?:the\s+)?(\w+)\s+version\b)|\bversion\s+(\d+)\s+of\s+(?:the\s+)?(${NAME})`,
      'gi',
    ),
  )) {
    const name = (m[1] ?? m[6]) as string;
    if (BOUNDARY.test(name) || FILLER.has(name.toLowerCase()) || QUALIFIERS[name.toLowerCase()]) continue;
    // "the data v2 …": a data word names no model (its version is read above).
    if (DATA_WORD.test(name)) continue;
    const word = m[4]?.toLowerCase();
    // "<name> <word> version" only for registry-style names or alias words: "cars-mpg staging version".
    if (word && (BOUNDARY.test(word) || FILLER.has(word) || (!/[-_\d]/.test(name) && !ALIASES[word])))
      continue;
    const at = m.index ?? 0;
    const n = m[2] ?? m[3] ?? m[5];
    // "churn-risk's first version": an ordinal says which version.
    const placed = word ? ordinalVersion([word]) : undefined;
    const version = n === undefined ? placed?.version : countOf(n);
    const c = classify(word && !placed ? [word] : []);
    add(at, at + m[0].length, {
      text: m[0],
      role: roleOf(text.slice(0, at)),
      words: [name.toLowerCase(), ...c.words],
      ...(version !== undefined ? { version } : {}),
      ...(c.alias ? { alias: c.alias } : {}),
      ...(c.qualifier ? { qualifier: c.qualifier } : {}),
    });
  }
  // Noun phrases: "the production cars model", "the new penguins-species model", "the staging model",
  // "the latest cars-mpg version", "the production penguins model's traffic".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`((?:[\w@:.-]+\s+){0,4}?)(?:${NOUN}|version)(?:'s)?\b(\s+v?\d+\b|(?<=version)\s+(?:${COUNT_WORD})\b(?!\s+of\s+(?:the\s+|its\s+|this\s+)?data))?`,
      'gi',
    ),
  )) {
    const at = m.index ?? 0;
    const lead = (m[1] ?? '').trim().split(/\s+/).filter(Boolean);
    // Keep the words after the last verb or preposition: they are the model's description.
    let start = 0;
    // A description never runs across the end of a sentence or clause ("… + cluster. plain linear model").
    lead.forEach((w, i) => {
      if (BOUNDARY.test(w) || /[.;:!?]$/.test(w)) start = i + 1;
      // "the data its production version …": a possessive starts the phrase; "data" names no model.
      else if (/^(?:its|their)$/i.test(w)) start = i;
    });
    const ws = lead.slice(start);
    // "a delay model trained on x.parquet", "an XGBoost model": a model to be made, not one that exists.
    const indefinite = /^(?:a|an|some|any|another)$/i.test(ws[0] ?? '');
    const toBeTrained =
      /^\s*(?:that\s+(?:is|was|you|we)\s+)?(?:trained|fitted|fit|built|learned|learnt)\b/i.test(
        text.slice(at + m[0].length),
      );
    // "its staging version learned from …": a possessive says the model exists already.
    const owned = /^(?:its|their)$/i.test(ws[0] ?? '');
    if ((toBeTrained && !owned) || (indefinite && !ws.some((w) => /[-_]\w|\d/.test(w)))) continue;
    // "no new version", "without a new model": a thing the goal rules out, not a model it refers to.
    if (/^(?:no|not|without|nor|never)$/i.test(ws[0] ?? '')) continue;
    // The phrase starts at its first description word, or at the noun when it has none ("to version 1").
    const lead0 = m[1] ?? '';
    const phraseAt = at + (ws.length ? lead0.lastIndexOf(ws.join(' ')) : lead0.length);
    const c = classify(refWords(ws.join(' ')));
    // "the penguins challenger": the role noun says which version.
    if (/challengers?\b/i.test(m[0]) && !c.qualifier && !c.alias) c.qualifier = 'new';
    if (/(?:champion|incumbent)s?\b/i.test(m[0]) && !c.alias) c.alias = 'production';
    // "the very first churn model", "its original version", "the third version": a version by its place.
    const placed = ordinalVersion(c.words);
    if (placed) c.words = placed.rest;
    const isVersionNoun = /version\b/i.test(m[0]) && !new RegExp(NOUN, 'i').test(m[0]);
    // "version 3", "version two": the number after the noun.
    const numbered =
      isVersionNoun && m[2] ? countOf(m[2].trim().replace(/^v/i, '')) : (placed?.version ?? undefined);
    const version = versionIn(m[2] ?? '') ?? versionIn(ws.join(' ')) ?? numbered ?? placed?.version;
    // A reference needs something that picks a model: a name word, an alias, a qualifier or a version.
    if (!c.words.length && !c.alias && !c.qualifier && version === undefined) continue;
    // "the latest version of churn-risk": a qualifier for the model named after "of".
    const ofNamed = /^\s*of\b/i.test(text.slice(at + m[0].length));
    if (isVersionNoun && !c.words.length && !c.alias && numbered === undefined && !(c.qualifier && ofNamed))
      continue;
    const words = c.words.filter((w) => !/^v?\d+$/.test(w));
    const noun = m[0].slice((m[1] ?? '').length).trim();
    add(phraseAt, at + m[0].length, {
      text: [...ws, noun].join(' ').trim(),
      role: roleOf(text.slice(0, phraseAt)),
      words,
      ...(version !== undefined ? { version } : {}),
      ...(c.alias ? { alias: c.alias } : {}),
      ...(c.qualifier ? { qualifier: c.qualifier } : {}),
    });
  }
  // A bare name after a verb that acts on deployed models: "roll back cars-mpg", "canary cars-mpg at 10%",
  // "promote penguins-species", "traffic of cars-mpg", "latency of penguins-species".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:roll(?:ing)?\s+back|rollback|revert|canary|promote|monitor|watch|(?:traffic|latency|error rate|errors|requests|p9[59]|p50)\s+(?:of|for))\s+(?:the\s+)?(${NAME})(?:'s)?\b`,
      'gi',
    ),
  )) {
    const name = m[1] as string;
    // A bare word is a model only when it looks like a registry name (cars-mpg, churn_v2, model7).
    if (!/[-_\d]/.test(name) || BOUNDARY.test(name) || FILLER.has(name.toLowerCase())) continue;
    const at = (m.index ?? 0) + m[0].lastIndexOf(name);
    add(at, at + name.length, { text: name, role: 'subject', words: [name.toLowerCase()] });
  }
  // "check penguins-species latency": a registry-style (hyphenated) name right before a serving measure.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(${NAME}-${NAME})\s+(?:served\s+)?(?:traffic|latency|error rate|errors|p9[59]|requests)\b`,
      'gi',
    ),
  )) {
    const at = m.index ?? 0;
    const name = m[1] as string;
    add(at, at + name.length, { text: name, role: 'subject', words: [name.toLowerCase()] });
  }
  // "<name>'s traffic / error rate / latency": a possessive names the model.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(${NAME})'s\s+(?:served\s+)?(?:traffic|error rate|errors|latency|p9[59]|requests)`,
      'gi',
    ),
  )) {
    const name = m[1] as string;
    if (!/[-_\d]/.test(name) || BOUNDARY.test(name) || FILLER.has(name.toLowerCase())) continue;
    const at = m.index ?? 0;
    add(at, at + name.length, { text: name, role: 'subject', words: [name.toLowerCase()] });
  }
  // "penguins serving health", "the cars serving report", "the served penguin traffic": a word that may name a
  // model, beside a serving measure.
  for (const m of text.matchAll(
    /\b([\w-]+)\s+(?:serving|served)\s+(?:health|report|metrics|stats|statistics|numbers|summary|traffic|requests)\b|\bserved\s+([\w-]+)\s+(?:traffic|requests|inputs)\b/gi,
  )) {
    const name = (m[1] ?? m[2]) as string;
    const w = name.toLowerCase();
    if (BOUNDARY.test(w) || FILLER.has(w) || QUALIFIERS[w] || ALIASES[w] || /^(?:its|their|model)$/.test(w))
      continue;
    const at = (m.index ?? 0) + m[0].indexOf(name);
    add(at, at + name.length, { text: name, role: 'subject', words: [w] });
  }
  // Any other registry-style name (penguins-species, churn_v2) may be a model written bare, anywhere: it counts
  // only if a model has exactly that name ("the traffic hitting penguins-species", "Roll penguins-species back").
  for (const m of text.matchAll(/(?<![\w./@:-])([a-z0-9]+(?:[-_][a-z0-9]+)+)(?![\w/@-]|:[^\s]|\.[a-z])/gi)) {
    const name = m[1] as string;
    const at = m.index ?? 0;
    if (
      /^\d+(?:[-_]\d+)+$/.test(name) ||
      /^re-(?:run|try|train|do|start|launch|execute|deploy|register|fit)\w*$/i.test(name) ||
      /^(?:one|two|three|four|five|six|seven|eight|nine|ten)-/i.test(name)
    )
      continue;
    add(at, at + name.length, {
      text: name,
      role: roleOf(text.slice(0, at)),
      words: [name.toLowerCase()],
      exactOnly: true,
    });
  }
  // "penguins-species traffic on version 3": a version alone belongs to the model named before it.
  const sorted = found.sort((a, b) => a.at - b.at);
  const out: ModelReference[] = [];
  let prevEnd = -1;
  for (const { at, end, ref: found } of sorted) {
    if (namesNothing(found)) continue;
    let r = found;
    // "the staging penguins-species": an alias word right before a bare name says which version.
    const aliasBefore =
      ALIASES[/\b(\w+)\s+$/.exec(text.slice(Math.max(0, at - 20), at))?.[1]?.toLowerCase() ?? ''];
    if (r.exactOnly && aliasBefore && !r.alias && r.version === undefined)
      r = { ...r, alias: aliasBefore, text: text.slice(at - aliasBefore.length - 1, end) };
    else if (r.exactOnly && !r.alias && r.version === undefined) {
      const tag = deployedTag(text.slice(Math.max(0, at - 60), at));
      const said = tag ? text.slice(at - tag.length - 1, end) : r.text;
      if (tag && NEWER.test(tag)) r = { ...r, qualifier: 'new', text: said };
      else if (tag) r = { ...r, alias: tag, text: said };
    }
    const tagged =
      r.version === undefined && !r.alias ? aliasNamedAfter(text.slice(end, end + 60)) : undefined;
    if (tagged) r = { ...r, alias: tagged };
    const ago = r.version === undefined && !r.alias ? versionDaysAgo(text.slice(end, end + 60)) : undefined;
    if (ago) r = ago.deployed ? { ...r, deployedDaysAgo: ago.days } : { ...r, registeredDaysAgo: ago.days };
    const prev = out.at(-1);
    // "the staging version of penguins-species": "of (the)" joins a role word to the model named after it.
    const adjacent = prev !== undefined && /^\s*(?:of\s+(?:the\s+)?)?$/i.test(text.slice(prevEnd, at));
    prevEnd = end;
    // "the beta version of churn-risk": one unknown word before "version of" is a tag of the model named after.
    const tagOf =
      prev &&
      adjacent &&
      /\bversion$/i.test(prev.text) &&
      prev.words.length === 1 &&
      !prev.alias &&
      !prev.qualifier
        ? prev.words[0]
        : undefined;
    if (
      prev &&
      tagOf &&
      prev.version === undefined &&
      !prev.run &&
      r.words.length &&
      !r.alias &&
      /^[a-z][\w.-]*$/.test(tagOf)
    ) {
      out[out.length - 1] = {
        ...r,
        text: `${prev.text} ${r.text}`,
        role: prev.role,
        alias: tagOf,
        exactOnly: false,
      };
      continue;
    }
    // "the champion" + "cars-mpg model": a role word right before a named model says which version.
    if (prev && adjacent && !prev.words.length && !prev.run && prev.version === undefined && r.words.length) {
      out[out.length - 1] = {
        ...r,
        text: `${prev.text} ${r.text}`,
        role: prev.role,
        ...(r.alias || !prev.alias ? {} : { alias: prev.alias }),
        ...(r.qualifier || !prev.qualifier ? {} : { qualifier: prev.qualifier }),
        exactOnly: false,
      };
      continue;
    }
    const versionOnly =
      prev && !r.words.length && !r.alias && r.version !== undefined && prev.version === undefined;
    // "traffic of churn-risk vs the data v2 was trained on": a second reference to the model named before, at
    // that version; the model named before stays as said (it is the one serving).
    if (prev && versionOnly && trainedOnVersion(text, at, end)) {
      out.push({ ...prev, text: r.text, role: r.role, version: r.version });
      continue;
    }
    if (prev && versionOnly) {
      out[out.length - 1] = { ...prev, version: r.version, exactOnly: false };
      continue;
    }
    out.push(r);
  }
  return out;
}

/** "park the result on staging", "put it on staging", "stage the result": the alias a new version goes to. */
export function parseParkedAlias(text: string): string | undefined {
  // Only staging: "put it in production" is a deploy, not an alias to register under.
  const parked =
    /\b(?:park|parks|put|puts|place|leave|drop|land|push|pushes|send|move|promote)\s+(?:it|them|this|that|the\s+(?:\w+\s+)?(?:result|model|version|checkpoint))\s+(?:on|in|at|into|to)\s+(?:the\s+)?staging\b(?!\s+(?:data|bucket|folder|server|db|database|env\w*))/i.test(
      text,
    );
  return parked || /\bstage\s+(?:it|them|the\s+(?:\w+\s+)?(?:result|model|version))\b/i.test(text)
    ? 'staging'
    : undefined;
}
