/**
 * Answers to the planner's clarifying question: the answer fills the piece that was missing (the target, the
 * data, the text column, the script, which model or run was meant), nothing else; what goes on after the model
 * is named ("the penguins one. use the last 12 hours") is a change of the plan.
 */

import { applyEdit } from './edits.ts';
import type { IntentFrame, ModelReference } from './intent.ts';
import { answerAi } from './offline/ai.ts';
import { parseSources } from './offline/sources.ts';
import { answeredColumn } from './offline/text-columns.ts';
import { NUMBER, toNumber, words } from './offline/words.ts';
import { plainRequest } from './surface.ts';
import type { MissingPiece } from './types.ts';

const FILLER = new Set([
  'the',
  'a',
  'an',
  'one',
  'model',
  'please',
  'i',
  'mean',
  'meant',
  'use',
  'that',
  'it',
  'is',
  'its',
]);

/** Fills the piece a clarifying question asked for with the answer. */
export function applyAnswer(
  frame: IntentFrame,
  about: MissingPiece | undefined,
  answer: string,
): IntentFrame {
  const text = plainRequest(answer);
  // An answer about an AI plan (a folder, a question set, a prompt) is read with the goal it answers.
  if (frame.ai) return { ...frame, ai: answerAi(frame.ai, frame.goal, text) };
  switch (about) {
    case 'target':
      return {
        ...frame,
        targetPhrases: [text.replace(/^(?:the\s+|predict\s+|column\s+)+/i, ''), ...frame.targetPhrases],
      };
    case 'source': {
      const sources = parseSources(text);
      if (sources.length) return { ...frame, sources };
      return { ...frame, sources: [{ kind: 'file', path: text.replace(/^["'`]|["'`]$/g, '') }] };
    }
    case 'text': {
      const column = answeredColumn(text);
      return column ? { ...frame, textColumns: [column] } : applyEdit(frame, text);
    }
    case 'script':
      return frame.script
        ? { ...frame, script: { ...frame.script, path: text.split(/\s+/)[0] as string } }
        : frame;
    case 'model': {
      const i = frame.refs.models.findIndex((r) => r.role !== 'baseline');
      const r = frame.refs.models[i];
      if (!r) return applyEdit(frame, text);
      // "the penguins one. use the last 12 hours": the first clause names the model, the rest changes the plan.
      const clause = /^(.+?)(?:[.;]|,(?!\d))\s+(\S.*)$/s.exec(text);
      if (clause) return applyEdit(applyAnswer(frame, about, clause[1] as string), clause[2] as string);
      const version = new RegExp(String.raw`\b(?:v|version\s+)${NUMBER}\b`, 'i').exec(text);
      const ws = words(text).filter((w) => !FILLER.has(w) && !/^v?\d+$/.test(w));
      const named = text.match(/\b[a-z0-9][\w.]*(?:-[\w.]+)+\b/i)?.[0];
      const next: ModelReference = {
        ...r,
        ...(ws.length || named ? { words: named ? [named.toLowerCase()] : ws } : {}),
        ...(version ? { version: toNumber(version[1]) as number } : {}),
      };
      const models = [...frame.refs.models];
      models[i] = next;
      return { ...frame, refs: { ...frame.refs, models } };
    }
    case 'run': {
      const run = frame.refs.run;
      const id = /\brun-[\w-]+/i.exec(text)?.[0];
      if (!run) return frame;
      return {
        ...frame,
        refs: {
          ...frame.refs,
          run: id
            ? { ...run, id }
            : { ...run, words: words(text).filter((w) => !FILLER.has(w)), latest: true },
        },
      };
    }
    default:
      return applyEdit(frame, text);
  }
}
