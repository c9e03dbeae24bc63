/**
 * Markdown a goal may be written in: checklists ("- [ ] retrain", "* [x] score it"), bullets, numbered items and
 * emphasis ("**must not**", "__only__"). Each list item becomes its own sentence; emphasis marks go.
 */

/** A list item's marker at the start of a line: "- ", "* ", "+ ", "1. ", "2) ", with an optional "[ ]" or "[x]". */
const ITEM = /^[ \t]*(?:[-*+]|\d{1,2}[.)])[ \t]+(?:\[[ xX]?\][ \t]*)?(?=\S)/;
/** "**must not**", "__only__": the emphasis marks around words. */
const STRONG = /(\*\*|__)(?=\S)([^*_\n]*?\S)\1/g;
/** "*never*", "_any_": single marks around words (never "a * b" or snake_case names). */
const EMPHASIS = /(^|[\s(])([*_])(?=[A-Za-z])([^*_\n]*?[A-Za-z.!?])\2(?=[\s.,;:!?)]|$)/g;

/** The goal as plain sentences: list markers and emphasis off, each list item ending in a full stop. */
export function plainMarkdown(text: string): string {
  if (!/[*_]|^[ \t]*(?:[-*+]|\d{1,2}[.)])[ \t]/m.test(text)) return text;
  const lines = text.split(/\r?\n/);
  if (lines.filter((l) => ITEM.test(l)).length < 2 && !/(\*\*|__)\S[^\n]*?\S\1/.test(text)) return text;
  return lines
    .map((line) => {
      const item = ITEM.test(line);
      let t = line.replace(ITEM, '').replace(STRONG, '$2').replace(EMPHASIS, '$1$3');
      if (item && !/[.!?;:,]\s*$/.test(t) && t.trim()) t = `${t.trimEnd()}.`;
      return t;
    })
    .join('\n');
}
