/**
 * A version said for the data it was trained on: "the data v2 was trained on", "the rows version 3 was fit on",
 * "the training data of v1", "v3's training rows". The version belongs to the model named elsewhere in the goal
 * (references.ts joins them); a data word there never names a model.
 */
import type { ModelReference } from '../intent.ts';
import { DATA_WORDS, TRAINED_ON } from './reference-words.ts';
import { COUNT_WORD, countOf } from './words.ts';

/** The version-only phrases of a text that name a version by its training data. */
export function trainedVersionPhrases(text: string): { at: number; end: number; ref: ModelReference }[] {
  const out: { at: number; end: number; ref: ModelReference }[] = [];
  // "the data v2 was trained on", "the rows version 3 was fit on": the version alone, of the model named elsewhere.
  for (const m of text.matchAll(
    new RegExp(String.raw`\b(?:${DATA_WORDS})\s+(v(\d+)|version\s+(\d+|${COUNT_WORD}))\b`, 'gi'),
  )) {
    const end = (m.index ?? 0) + m[0].length;
    if (!TRAINED_ON.test(text.slice(end))) continue;
    const said = m[1] as string;
    out.push({
      at: end - said.length,
      end,
      ref: {
        text: said,
        role: 'subject',
        words: [],
        version: countOf(m[2] ?? m[3] ?? ''),
      },
    });
  }
  // "the training data of v1", "v3's training rows": the rows a version learned from.
  for (const m of text.matchAll(
    new RegExp(
      String.raw`\b(?:training\s+)?(?:${DATA_WORDS})\s+of\s+(?:the\s+)?(v(\d+)|version\s+(\d+|${COUNT_WORD}))\b|\b(v(\d+)|version\s+(\d+|${COUNT_WORD}))'s\s+(?:training\s+)?(?:${DATA_WORDS})\b`,
      'gi',
    ),
  )) {
    const said = (m[1] ?? m[4]) as string;
    const at = (m.index ?? 0) + m[0].indexOf(said);
    const n = m[2] ?? m[3] ?? m[5] ?? m[6] ?? '';
    out.push({
      at,
      end: at + said.length,
      ref: { text: said, role: 'subject', words: [], version: countOf(n) },
    });
  }
  return out;
}

/** A version said for the data it was trained on: "v2 was trained on", "the training data of v2", "v2's rows". */
export function trainedOnVersion(text: string, at: number, end: number): boolean {
  return (
    TRAINED_ON.test(text.slice(end)) ||
    new RegExp(String.raw`\b(?:${DATA_WORDS})\s+of\s+(?:the\s+)?$`, 'i').test(text.slice(0, at)) ||
    new RegExp(String.raw`^'s\s+(?:training\s+)?(?:${DATA_WORDS})\b`, 'i').test(text.slice(end))
  );
}
