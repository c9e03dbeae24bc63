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

const COL = String.raw`["'\x60]?([\w()%-]+(?:\s+[\w()%-]+)?)["'\x60]?`;

export function parseTextFeatures(text: string): TextFeatures {
  const explicit: string[] = [];
  const maybe: string[] = [];
  const push = (list: string[], v: string | undefined) => {
    const t = v?.trim().replace(/^(?:the|their|its)\s+/i, '');
    if (t && !list.includes(t)) list.push(t);
  };
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:by|from|on|using|with|of)\s+(?:their|its|the|each\s+\w+'s)?\s*${COL}\s+(?:free[- ])?(?:texts?|descriptions?|wording|words|prose)\b`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\btreat(?:s|ing)?\s+(?:the\s+)?${COL}\s+(?:column\s+)?as\s+(?:free[- ])?text\b`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  for (const m of text.matchAll(
    new RegExp(String.raw`\b(?:free[- ])?text\s+(?:columns?|fields?|features?)\s+${COL}`, 'gi'),
  ))
    push(explicit, m[1]);
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:where\s+|and\s+)?(?:the\s+)?${COL}\s+(?:column\s+|field\s+)?(?:is|holds|contains|has)\s+(?:a\s+|an\s+)?(?:free[- ])?(?:text|prose)(?:\s+(?:field|column))?\b`,
      'gi',
    ),
  ))
    push(explicit, m[1]);
  for (const m of text.matchAll(new RegExp(String.raw`\bfrom\s+(?:their|its|each\s+\w+'s)\s+${COL}`, 'gi')))
    push(maybe, m[1]);
  return { explicit, maybe: maybe.filter((c) => !explicit.includes(c)) };
}
