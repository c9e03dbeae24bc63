/**
 * Columns of free text to use as features: "by their 'body' text", "from the body text", "treating body as
 * free text", "text column description", "from their title" (a column that turns out to hold free text).
 * The builder keeps only phrases that match a real column, and for "from their X" only when that column holds
 * free text.
 */

export interface TextFeatures {
  /** Said to be text. */
  explicit: string[];
  /** Named as what the prediction is made from; text only if the data says so. */
  maybe: string[];
}

/** A column phrase of one or two words; never a determiner ("from the free-text body": the column is "body"). */
const COL = String.raw`["'\x60]?(?!(?:the|their|its|a|an|this|that|each|or|and|whatever|something)\b)([\w()%-]+(?:\s+(?!(?:as|and|or|in|into|of|for|is|are|to|on|from|with|using|by|then|plus|via)\b)[\w()%-]+)?)["'\x60]?`;
const ONE = String.raw`["'\x60]?(?!(?:the|their|its|a|an|this|that|each|and|or|plus|too|also|please|pls|instead|now|then)\b)([\w()%-]+)["'\x60]?`;
/** Said for the text without naming its column: "it", "them", "that text", "the text column". */
export const TEXT_REFERENCE = '(the text)';
const REF = String.raw`(?:(?:it|them|that|this|these|those)(?:\s+(?:free[- ])?(?:texts?|columns?|fields?))?|(?:the|that|this|those|these)\s+(?:free[- ])?texts?(?:\s+(?:columns?|fields?))?)(?![\w-])`;
const IS_REF =
  /^(?:(?:it|them|that|this|these|those|the)\s*)?(?:(?:free[- ])?texts?)?(?:\s+(?:columns?|fields?))?$/i;
/** Words that call a column free text. */
const TEXTY = String.raw`(?:free[- ]?(?:form[- ])?text|textual|unstructured|raw text|text)`;
const TEXT_ROLE = String.raw`(?:${TEXTY}|prose|natural[- ]language)(?:\s+(?:features?|feats?|inputs?|columns?|fields?|data|signals?|covariates?|predictors?|variables?|regressors?|attributes?))?`;

export function parseTextFeatures(text: string): TextFeatures {
  const explicit: string[] = [];
  const maybe: string[] = [];
  const push = (list: string[], v: string | undefined) => {
    const t = v
      ?.trim()
      .replace(/^(?:the|their|its)\s+/i, '')
      .replace(/\s*[([]\s*(?:free[- ]?)?$/i, '')
      .replace(/\s+(?:too|also|as well|please|pls|instead|then|now)$/i, '');
    // "its unstructured description": the adjective is not the column.
    if (t && /^(?:free[- ]?(?:form[- ])?text|free|textual|unstructured|raw|plain|natural)$/i.test(t)) return;
    // "a free-text covariate (bag of words)": the role, not the column.
    if (t && /^(?:covariates?|predictors?|regressors?|variables?)$/i.test(t)) return;
    if (t && IS_REF.test(t)) {
      if (list === explicit && !list.includes(TEXT_REFERENCE)) list.push(TEXT_REFERENCE);
      return;
    }
    const c = t?.replace(/\s+(?:columns?|fields?)$/i, '');
    if (c && !list.includes(c)) list.push(c);
  };
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:by|from|on|using|with|of)\s+(?:(?:their|its|the|each\s+\w+'s)\s+)?${COL}\s+(?:free[- ])?(?:texts?|descriptions?|wording|words|prose)\b`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\btreat(?:s|ing)?\s+(?:the\s+)?${COL}\s+(?:column\s+)?(?:(?:in|of|from)\s+\S+\.\w+\s+)?as\s+(?:an?\s+)?(?:free[- ])?text\b`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:free[- ])?text\s+(?:columns?|fields?|features?)\s*[:=]?\s+${COL}|\btext\s*[:=]\s*${COL}`,
      'gi',
    ),
  ))
    push(explicit, m[1] ?? m[2]);
  // "the input is the body text", "body = free text", "read the body text with tf-idf".
  for (const m of text.matchAll(
    new RegExp(
      [
        String.raw`\b(?:inputs?|features?)\s+(?:is|are|=|:)\s+(?:the\s+)?${ONE}\s+(?:free[- ])?text\b`,
        String.raw`\b${ONE}\s*=\s*(?:free[- ]?)?text\b`,
        String.raw`\b(?:the|their|its)\s+${ONE}\s+(?:texts?|column|field)\s+(?:with|using|via|through|into)\s+(?:tf[- ]?idf|bag[- ]of[- ]words|hashing|n-?grams)`,
      ].join('|'),
      'gi',
    ),
  ))
    push(explicit, m[1] ?? m[2] ?? m[3]);
  // "hash the body words", "hashing the notes text".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\bhash(?:ing)?\s+(?:the\s+|their\s+|its\s+)?${ONE}\s+(?:words|texts?|tokens)\b`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:where\s+|and\s+)?(?:the\s+)?${COL}\s+(?:column\s+|field\s+)?(?:is|holds|contains|has)\s+(?:a\s+|an\s+|the\s+|their\s+|its\s+)?(?:(?:message|ticket|review|comment|email|user|customer)\s+)?(?:free[- ]?(?:form[- ])?)?(?:text|txt|prose)(?:\s+(?:field|column))?\b`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  // "body (free text)", "notes [text]", "body (as text, tf-idf)", "summary (tf-idf)".
  const BRACKETED_VEC = String.raw`(?:tf[- ]?idf|bag[- ]of[- ]words|bow|n-?grams?|(?:text\s+|word\s+|sentence\s+)?embeddings?|hashing)`;
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b${ONE}\s*[([]\s*(?:(?:it'?s|it is|which is|is|as)\s+(?:a\s+|an\s+)?)?(?:(?:free[- ]?)?text|${BRACKETED_VEC})\s*(?:[,;]\s*[^()[\]]{0,40})?[)\]]`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  // "the Title as a text feature", "use body as free text", "description as the text input"
  // (not the participle of "handled as text": the passive is read below).
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b${ONE}\s+(?:column\s+|field\s+)?as\s+(?:a\s+|an\s+|the\s+|our\s+)?${TEXT_ROLE}\b`,
      'gi',
    ),
  ))
    if (
      !/^(?:handled|treated|used|read|processed|encoded|taken|modell?ed|considered)$/i.test(m[1] as string) &&
      text[(m.index ?? 0) + m[0].indexOf(m[1] as string) - 1] !== '.'
    )
      push(explicit, m[1]);
  // "the free-text body plus the channel", "its unstructured notes": a text adjective before one word.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:the|their|its|a|an|from|on|using|with|of|by|plus|and)\s+${TEXTY}\s+${ONE}(?=\s+(?:column|field)\b|\s*[,;.!?]|\s+(?:plus|and|or|with|to|for|from|in|into|on|as|then)\b|$)`,
      'gi',
    ),
  ))
    if (
      !/^(?:columns?|fields?|features?|data|inputs?|covariates?|predictors?|variables?|regressors?|attributes?)$/i.test(
        m[1] as string,
      )
    )
      push(explicit, m[1]);
  // "the ticket's text (the body column)", "its wording, in the notes field": the text, then where it lives.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:the|their|its|each|[\w-]+'s?)\s+(?:\w+\s+)?(?:${TEXTY}|wording|prose|description)\s*(?:[([]\s*|,?\s*(?:in|from|i\.e\.|namely)\s+)(?:the\s+|its\s+|their\s+)?${ONE}(?:\s+(?:column|field))?\s*(?=[)\]]|\s+(?:column|field)\b)`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  // "treat the message text as a feature", "use the review text as an input".
  for (const m of text.matchAll(
    /\b(?:treat|use|include|add|feed)\w*\s+(?:the\s+|their\s+|its\s+)?((?:[\w-]+\s+)?(?:texts?|messages?|wording))\s+(?:too\s+|also\s+)?as\s+(?:an?\s+|the\s+)?(?:features?|inputs?|predictors?)\b/gi,
  ))
    push(explicit, m[1]);
  // "the words in body", "the tokens of the notes column".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:the\s+)?(?:words|tokens|wording|terms|text|contents?|description|message|comments?|prose)\s+(?:in|of|from)\s+(?:the\s+|their\s+|its\s+)?${ONE}`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  // "by what people wrote", "from those messages": the text, its column not named.
  if (
    /\bwhat(?:ever)?\s+(?:\w+\s+){0,3}?(?:wrote|writes|typed|types|said|says)\b(?!\s+(?:in|into|under|as|to|out)\b)|\bfrom\s+(?:those|these|the|their|its)\s+(?:messages|texts|emails|comments|writings)\b/i.test(
      text,
    )
  )
    push(explicit, 'text');
  // "what the customer wrote in body", "whatever was typed into the notes field" (a path there is an output).
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\bwhat(?:ever)?\s+(?:\w+\s+){0,3}?(?:wrote|writes|write|typed|types|type|said|says|entered|enters|submitted|put|puts|described|describes|reported|reports)\s+(?:was\s+|is\s+)?(?:in|into|under|as)\s+(?:the\s+|their\s+|its\s+)?(?![\w-]*[/.]\w)${ONE}`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  // Vectorisers: "tf-idf on ticket bodies", "bag of words over the description", "embed the notes", "a hashing
  // vectorizer on body", "turn them into tf-idf features"; "it" / "the text" is a reference (TEXT_REFERENCE).
  const VEC = String.raw`(?:tf[- ]?idf|nlp(?:\s+features?)?|language features?|bag[- ]of[- ]words|bow|n-?grams?|word counts|hashing(?:\s+(?:vectori[sz]er|trick))?|count\s+vectori[sz]er|(?:text\s+|word\s+|sentence\s+)?embeddings?|text (?:vectori[sz]\w*|features?|classification|classifier))`;
  const THING = String.raw`(?:(?:the|their|its)\s+)?(${REF}|${COL})`;
  for (const m of text.matchAll(
    new RegExp(
      [
        String.raw`\b${VEC}(?:\s+(?:features?|vectors?|vectori[sz]er|encoding|representations?))?(?:(?:\s*\+\s*|\s+(?:and|plus|with)\s+)(?:[\w-]+\s+){0,2}?[\w-]+)?\s+(?:on|of|from|over|for|to|across)\s+${THING}`,
        String.raw`\b(?:vectori[sz]e|tokeni[sz]e|embed|tf-?idf)\s+${THING}`,
        String.raw`\b(?:turn|convert|make|transform)\s+${THING}\s+into\s+(?:an?\s+)?${VEC}`,
      ].join('|'),
      'gi',
    ),
  ))
    push(
      explicit,
      m.slice(1).find((g) => g !== undefined),
    );
  // Lists: "treat subject and body as free text", "title, plot and tagline are text", "text fields: a, b".
  const ITEM = String.raw`["'\x60]?(?!(?:the|their|its|a|an|and|or|plus|both)\b)[\w()%-]+["'\x60]?`;
  // "both title and body", "all of the title, plot and tagline".
  const BOTH = String.raw`(?:(?:both|all(?:\s+of)?|all\s+(?:two|three|four))\s+)?(?:the\s+)?`;
  const LIST = String.raw`(${ITEM}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*|\s*\+\s*|\s+plus\s+)(?:the\s+)?${ITEM})+)`;
  for (const m of text.matchAll(
    new RegExp(
      [
        String.raw`\b(?:treat(?:s|ing)?|use|using|take|include)\s+${BOTH}${LIST}\s+(?:columns?\s+|fields?\s+)?as\s+(?:a\s+)?${TEXT_ROLE}`,
        String.raw`(?:^|[,;:]\s*|\b(?:and|where|since|with)\s+)${BOTH}${LIST}\s+(?:columns?\s+|fields?\s+)?(?:are|hold|contain|being)(?:\s+(?:both|all))?\s+(?:free[- ]?)?(?:text|prose)`,
        String.raw`\b${TEXTY}\s+(?:columns|fields|features)\s*:?\s*${LIST}`,
        // No verb, at a clause start: "movies.json - Title + Director as text feats"; or after "from (the)".
        String.raw`(?:^|[,;:(]\s*|\s[-\u2013\u2014]\s+|\b(?:and|with|where|from|by|on)\s+)${BOTH}${LIST}\s+(?:columns?\s+|fields?\s+)?as\s+(?:a\s+|the\s+|our\s+)?${TEXT_ROLE}`,
      ].join('|'),
      'gi',
    ),
  ))
    for (const item of (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').split(/\s*(?:,|\band\b|&|\+|\bplus\b)\s*/))
      push(explicit, item.replace(/^the\s+/i, '').replace(/^["'\x60]|["'\x60]$/g, ''));
  // Passive: "Title and Director should both be handled as text columns", "body must be treated as free text".
  // "Title + Director (both free text)" too.
  const HANDLED = String.raw`(?:\s+(?:columns?\s+|fields?\s+)?(?:(?:(?:should|must|will|shall|can|needs?\s+to|ha(?:s|ve)\s+to)\s+(?:both\s+|all\s+)?be|(?:is|are)(?:\s+(?:both|all))?(?:\s+to\s+be)?)\s+)?(?:handled|treated|used|read|processed|encoded|taken|modell?ed|considered)\s+as\s+(?:a\s+|an\s+)?${TEXT_ROLE}|\s*\(\s*(?:both|all)\s+(?:free[- ]?)?text\s*\))`;
  for (const m of text.matchAll(
    new RegExp(
      String.raw`(?:^|[,;:.]\s*|\b(?:and|where|while|since|using|with|from|on)\s+)${BOTH}(?:${LIST}|(?:the\s+)?${ONE})${HANDLED}`,
      'gi',
    ),
  ))
    for (const item of (m[1] ?? m[2] ?? '').split(/\s*(?:,|\band\b|&|\+|\bplus\b)\s*/))
      push(explicit, item.replace(/^the\s+/i, '').replace(/^["'\x60]|["'\x60]$/g, ''));
  // A question: "could the movie Title be treated as free text", "can subject and body be read as text".
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:could|can|should|would|will|shall|may|might)\s+(?!(?:both|all|be)\b)${BOTH}(?:${LIST}|(?:the\s+)?(?:[\w-]+\s+)?${ONE})\s+(?:both\s+|all\s+)?be\s+(?:handled|treated|used|read|processed|encoded|taken|modell?ed|considered)\s+as\s+(?:a\s+|an\s+)?${TEXT_ROLE}`,
      'gi',
    ),
  ))
    for (const item of (m[1] ?? m[2] ?? '').split(/\s*(?:,|\band\b|&|\+|\bplus\b)\s*/))
      push(explicit, item.replace(/^the\s+/i, '').replace(/^["'\x60]|["'\x60]$/g, ''));
  for (const m of text.matchAll(new RegExp(String.raw`\bfrom\s+(?:their|its|each\s+\w+'s)\s+${COL}`, 'gi')))
    push(maybe, m[1]);
  // "naive bayes on the ticket body (data/tickets.csv)": text if the data says so.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:on|over)\s+(?:the|their|its|each)\s+(?:[\w-]+\s+)?${ONE}(?=\s*[(,;.!?]|\s+(?:column|field)\b|$)`,
      'gi',
    ),
  ))
    push(maybe, m[1]);
  // "from the body of each ticket", "using the title of every film": text if the data says so.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:from|using|based on|by)\s+(?:the|their|its)\s+${ONE}\s+of\s+(?:each|every|the|a|an|all)\s+[\w-]+`,
      'gi',
    ),
  ))
    push(maybe, m[1]);
  // "a model that reads the body of each ticket", "reads each review body": text if the data says so.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:reads?|reading|looks?\s+at|looking\s+at|goes\s+through)\s+(?:the|their|its|each|every)\s+(?!(?:files?|data(?:set)?|tables?|rows?|csv|sheet|whole|entire)\b)${COL}(?=\s+(?:of|in|from|and|to|then|so|for)\b|\s*[,;.!?(]|$)`,
      'gi',
    ),
  ))
    push(maybe, m[1]);
  // "based on what the subject says", "from what the notes say": the column is text.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:based\s+on|from|by|using)\s+what\s+(?:the|their|its|each)\s+${ONE}\s+(?:says?|said|contains?|reads?|tells?)\b`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  // "the words people wrote in the body", "the text customers typed in the comment field": that column is text.
  // "…, and the Director also as text": a second column, the verb left out.
  for (const m of text.matchAll(
    new RegExp(
      [
        String.raw`\b(?:words|text|comments?|things)\s+(?:that\s+)?(?:people|users|customers|clients|students|players|they|someone|somebody|folks|the\s+\w+)\s+(?:wrote|write|writes|typed|type|types|entered|enter|put|left|leave)\s+(?:in|into|under)\s+(?:the|their|its|each|every)\s+${ONE}`,
        String.raw`(?:[,;]\s*|\b(?:and|plus)\s+)(?:the\s+)?${ONE}\s+(?:also|too|as\s+well|likewise)\s+(?:(?:handled|treated|read|used)\s+)?as\s+(?:a\s+|an\s+)?${TEXT_ROLE}`,
      ].join('|'),
      'gi',
    ),
  ))
    push(
      explicit,
      m.slice(1).find((g) => g !== undefined),
    );
  renameByBracket(text, explicit);
  // A reference names no column of its own when the goal names one.
  const named = explicit.filter((c) => c !== TEXT_REFERENCE);
  return {
    explicit: named.length ? named : explicit,
    maybe: maybe.filter((c) => !explicit.includes(c)),
  };
}

/** "the film titles (the Title column)": the column in brackets is the one the words name. */
function renameByBracket(text: string, list: string[]): void {
  list.forEach((phrase, i) => {
    const safe = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(
      String.raw`\b${safe}(?:\s+[\w-]+)?\s*\(\s*(?:the\s+|i\.e\.\s+)?([\w%-]+(?:\s+[\w%-]+)?)\s+(?:column|field)\s*\)`,
      'i',
    ).exec(text);
    if (m && !list.includes(m[1] as string)) list[i] = m[1] as string;
  });
}
