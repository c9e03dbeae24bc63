/**
 * Prompts are files with versions: prompts/<agent>/<name>.md with YAML front matter
 *   ---
 *   id: planner.draft
 *   version: 3
 *   variables: [goal, catalog]
 *   ---
 * and {{name}} placeholders. The loader checks that the front matter is complete, that the body uses exactly
 * the declared variables, and that render() gets every one of them.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { userError } from '../errors.ts';

const FrontMatter = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]*$/)
    .describe('Stable prompt id, e.g. "planner.draft"'),
  version: z
    .union([z.string().min(1), z.number()])
    .transform(String)
    .describe('Bumped on every change'),
  description: z.string().optional(),
  variables: z
    .array(z.string().regex(/^[a-z][a-zA-Z0-9_]*$/))
    .default([])
    .describe('Placeholders the body uses'),
});

export interface Prompt {
  id: string;
  version: string;
  variables: string[];
  template: string;
  render(values: Record<string, string>): string;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g;

export function parsePrompt(text: string, source = 'prompt'): Prompt {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) {
    throw userError(
      'PROMPT_INVALID',
      `${source} has no front matter`,
      'prompt files start with a --- YAML block ---',
      'Add id, version and variables in front matter.',
    );
  }
  const meta = FrontMatter.safeParse(parseYaml(m[1] as string));
  if (!meta.success) {
    throw userError(
      'PROMPT_INVALID',
      `${source} has invalid front matter`,
      meta.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      'Front matter needs id, version and variables.',
    );
  }
  const template = m[2] as string;
  const used = new Set([...template.matchAll(PLACEHOLDER)].map((x) => x[1] as string));
  const declared = new Set(meta.data.variables);
  const undeclared = [...used].filter((v) => !declared.has(v));
  const unused = [...declared].filter((v) => !used.has(v));
  if (undeclared.length || unused.length) {
    throw userError(
      'PROMPT_INVALID',
      `${source}: variables do not match the body`,
      [
        undeclared.length ? `used but not declared: ${undeclared.join(', ')}` : '',
        unused.length ? `declared but not used: ${unused.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
      'List exactly the {{placeholders}} of the body under variables.',
    );
  }
  const { id, version, variables } = meta.data;
  return {
    id,
    version,
    variables,
    template,
    render(values) {
      const missing = variables.filter((v) => typeof values[v] !== 'string');
      const extra = Object.keys(values).filter((v) => !declared.has(v));
      if (missing.length || extra.length) {
        throw userError(
          'PROMPT_VARIABLES',
          `Prompt ${id}@${version} got the wrong variables`,
          [
            missing.length ? `missing: ${missing.join(', ')}` : '',
            extra.length ? `unknown: ${extra.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; '),
          `Pass exactly: ${variables.join(', ')}.`,
        );
      }
      return template.replace(PLACEHOLDER, (_, name: string) => values[name] as string);
    },
  };
}

export function loadPrompt(file: string): Prompt {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw userError(
      'PROMPT_NOT_FOUND',
      `Prompt file ${file} is missing`,
      (e as Error).message,
      'Restore the file from the repository.',
    );
  }
  return parsePrompt(text, file);
}
