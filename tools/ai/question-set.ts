/**
 * Question sets for retrieval evals: JSONL (one object a line), JSON (an array, or { questions: [...] }) or
 * CSV (header row), each question with its expected sources. Field names are forgiving
 * (question | query | q; expected | sources | expected_sources | source); in CSV several sources are
 * separated by "|" or ";". Every problem is reported at once, with its line.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { resolveInWorkspace } from '../../src/tasks/index.ts';
import { literal, withDuckDB } from '../lib/duckdb.ts';

export interface Question {
  id: string;
  question: string;
  expected: string[];
}

const MAX_BYTES = 20 * 1024 * 1024;

const Entry = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  question: z.string().min(1),
  expected: z.array(z.string().min(1)).min(1),
});

function normalise(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const r = raw as Record<string, unknown>;
  const question = r.question ?? r.query ?? r.q;
  let expected = r.expected ?? r.sources ?? r.expected_sources ?? r.source;
  if (typeof expected === 'string')
    expected = expected
      .split(/[|;]/)
      .map((s) => s.trim())
      .filter(Boolean);
  return { ...(r.id !== undefined ? { id: r.id } : {}), question, expected };
}

export async function loadQuestions(
  workspace: string,
  file: string,
  maxQuestions = 10_000,
): Promise<Question[]> {
  const abs = resolveInWorkspace(workspace, file, 'question set');
  let size: number;
  try {
    size = statSync(abs).size;
  } catch {
    throw userError(
      'QUESTIONS_NOT_FOUND',
      `The question set "${file}" does not exist`,
      undefined,
      'Write one (JSONL: {"question": "...", "expected": ["docs/a.md"]} per line) inside the workspace.',
    );
  }
  if (size > MAX_BYTES) {
    throw userError(
      'QUESTIONS_TOO_LARGE',
      `The question set "${file}" is ${size} bytes; at most ${MAX_BYTES} are read`,
      undefined,
      'Split it, or sample the questions.',
    );
  }
  const ext = path.extname(abs).toLowerCase();
  let raws: unknown[];
  if (ext === '.csv' || ext === '.tsv') {
    raws = await withDuckDB((db) =>
      db.all(`SELECT * FROM read_csv(${literal(abs)}, all_varchar = true, header = true)`),
    );
  } else {
    const text = readFileSync(abs, 'utf8');
    if (ext === '.jsonl' || ext === '.ndjson') {
      raws = [];
      for (const [i, line] of text.split('\n').entries()) {
        if (!line.trim()) continue;
        try {
          raws.push(JSON.parse(line));
        } catch (e) {
          throw userError(
            'QUESTIONS_INVALID',
            `Line ${i + 1} of ${file} is not JSON`,
            (e as Error).message,
            'Write one JSON object per line.',
          );
        }
      }
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw userError('QUESTIONS_INVALID', `${file} is not JSON`, (e as Error).message, 'Fix the JSON.');
      }
      const list = Array.isArray(parsed) ? parsed : (parsed as { questions?: unknown })?.questions;
      if (!Array.isArray(list)) {
        throw userError(
          'QUESTIONS_INVALID',
          `${file} holds no list of questions`,
          'expected an array, or an object with a "questions" array',
          'Write [{"question": "...", "expected": ["docs/a.md"]}, ...].',
        );
      }
      raws = list;
    }
  }
  const problems: string[] = [];
  const out: Question[] = [];
  for (const [i, raw] of raws.entries()) {
    const parsed = Entry.safeParse(normalise(raw));
    if (!parsed.success) {
      problems.push(
        `question ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.') || '(entry)'} ${x.message}`).join(', ')}`,
      );
      continue;
    }
    out.push({
      id: String(parsed.data.id ?? i + 1),
      question: parsed.data.question,
      expected: parsed.data.expected,
    });
  }
  if (problems.length) {
    throw userError(
      'QUESTIONS_INVALID',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the question set ${file}`,
      problems.slice(0, 20).join('; '),
      'Each question needs "question" (text) and "expected" (one or more source paths).',
      { problems },
    );
  }
  if (out.length === 0)
    throw userError('QUESTIONS_EMPTY', `The question set ${file} is empty`, undefined, 'Add questions.');
  if (out.length > maxQuestions) {
    throw userError(
      'QUESTIONS_TOO_MANY',
      `The question set ${file} has ${out.length} questions; at most ${maxQuestions} are evaluated`,
      undefined,
      'Sample the questions, or raise maxQuestions.',
    );
  }
  return out;
}
