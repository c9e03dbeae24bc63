/**
 * Which named columns hold free text to vectorise (TF-IDF / hashing in train.tabular's textColumns): the ones
 * the goal says are text ("by their body text") must be real text columns; the ones it only names as what the
 * prediction is made from ("from their title") count when the data shows free text (mostly distinct strings).
 */

import { levenshtein } from '../../../src/plan/index.ts';
import { type DatasetDescription, TEXT_TYPES } from '../describe-dataset.ts';
import { matchColumn } from './columns.ts';
import { TEXT_REFERENCE } from './features.ts';
import { sameWord, words } from './words.ts';

export interface TextFeatureCandidates {
  explicit: string[];
  maybe: string[];
}

/** Free text: a string column whose values are mostly distinct (not a category). */
export function looksLikeFreeText(
  col: { name?: string; type: string; distinct: number },
  rows: number,
): boolean {
  // "Release Date" held as strings is a date, not text.
  if (
    col.name &&
    /(?:^|[\s_-])(?:date|time|timestamp|datetime|created|updated)(?:$|[\s_-])|_at$/i.test(col.name)
  )
    return false;
  return TEXT_TYPES.test(col.type) && col.distinct > Math.max(20, rows * 0.3);
}

/** "the ticket text" of tickets.csv: the phrase names the rows of the file, not a column. */
function namesRows(phrase: string, file: string): boolean {
  const stem = words(
    file
      .split('/')
      .pop()
      ?.replace(/\.\w+$/, '') ?? '',
  );
  const said = words(phrase);
  return said.length > 0 && said.every((w) => stem.some((s) => sameWord(w, s)));
}

export function pickTextColumns(
  text: TextFeatureCandidates,
  data: DatasetDescription | undefined,
  target: string | undefined,
): { columns: string[]; notes: string[] } | { question: string } {
  const columns: string[] = [];
  const notes: string[] = [];
  const said = text.explicit.filter((c) => c !== TEXT_REFERENCE);
  const reference = said.length < text.explicit.length;
  if (!data) {
    for (const c of said) columns.push(c);
    if (columns.length)
      notes.push(
        `text columns ${columns.join(', ')} are unchecked: the data could not be read before the run`,
      );
    return { columns, notes };
  }
  const names = data.columns.map((c) => c.name);
  const free = data.columns.filter((c) => c.name !== target && looksLikeFreeText(c, data.rows));
  for (const phrase of said) {
    const m = matchColumn(phrase, names);
    // "the message text" of a table with one free-text column: that column.
    if (
      !m &&
      free.length === 1 &&
      (/\b(?:texts?|messages?|wording|words|prose)$/i.test(phrase) ||
        namesRows(phrase, data.path) ||
        (phrase.length >= 4 &&
          levenshtein(phrase.toLowerCase(), (free[0] as { name: string }).name.toLowerCase()) <= 2))
    ) {
      const only = (free[0] as { name: string }).name;
      if (!columns.includes(only)) columns.push(only);
      notes.push(`"${phrase}" is read as ${only}, the only free-text column of ${data.path}`);
      continue;
    }
    if (!m)
      return {
        question: `I could not find a text column matching "${phrase}" in ${data.path}. Which column holds the text? Its columns are: ${names.join(', ')}.`,
      };
    const col = data.columns.find((c) => c.name === m.column);
    if (col && !TEXT_TYPES.test(col.type))
      return {
        question: `"${m.column}" holds ${col.type} values, not text. Which column holds the text to learn from?`,
      };
    if (m.column !== target && !columns.includes(m.column)) columns.push(m.column);
  }
  for (const phrase of text.maybe) {
    const m = matchColumn(phrase, names);
    const col = m ? data.columns.find((c) => c.name === m.column) : undefined;
    if (col && col.name !== target && looksLikeFreeText(col, data.rows) && !columns.includes(col.name))
      columns.push(col.name);
  }
  // "tf-idf on it", "vectorise the text": the only free-text column of the data.
  if (reference && !columns.length) {
    if (free.length !== 1)
      return {
        question: `Which column holds the text to vectorise? ${
          free.length
            ? `Free-text columns: ${free.map((c) => c.name).join(', ')}.`
            : `Its columns are: ${names.join(', ')}.`
        }`,
      };
    columns.push((free[0] as { name: string }).name);
  }
  if (columns.length)
    notes.push(
      `${columns.join(', ')} ${columns.length > 1 ? 'are' : 'is'} vectorised as free text (textColumns of train.tabular)`,
    );
  return { columns, notes };
}

/** The column an answer to "which column holds the text?" names: "body", "it's in body", "the body column, please". */
export function answeredColumn(answer: string): string | undefined {
  const column = answer
    .replace(/[.!]+$/, '')
    .replace(/^(?:(?:it'?s|it is|that'?s|that is|use|the text is|in|under|from|the|column|field)\s+)+/i, '')
    .replace(/[\s,]+(?:column|field|please|pls|thanks)$/i, '')
    .replace(/\s+(?:column|field)$/i, '')
    .replace(/^["'`]|["'`]$/g, '');
  return column || undefined;
}
