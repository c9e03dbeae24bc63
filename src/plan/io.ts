/** Plan files: YAML and JSON read and written as the same artifact. */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import { isPipewrightError, userError } from '../errors.ts';
import type { Plan } from './schema.ts';

/** Parses plan text (YAML is a superset of JSON) into plain data, with line numbers on syntax errors. */
export function parsePlanText(text: string, source = 'plan'): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const pos = first?.linePos?.[0];
    throw userError(
      'PLAN_PARSE',
      `Cannot read ${source}${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`,
      first?.message.split('\n')[0],
      'Fix the YAML/JSON syntax at that position; `pipewright validate <plan>` checks a file without running it.',
      {
        problems: doc.errors.map((e) => ({
          path: e.linePos ? `line ${e.linePos[0].line}` : '',
          message: e.message.split('\n')[0],
        })),
      },
    );
  }
  if (!isMap(doc.contents) && !isSeq(doc.contents) && doc.contents !== null) {
    throw userError(
      'PLAN_PARSE',
      `${source} is not a plan`,
      'a plan is a mapping with name and steps',
      'See examples/ for plan files.',
    );
  }
  return doc.toJS();
}

export async function readPlanFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isPipewrightError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw userError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      `Cannot read plan file ${file}`,
      code === 'ENOENT' ? 'the file does not exist' : (e as Error).message,
      code === 'ENOENT'
        ? 'Check the path; it is resolved from the current directory.'
        : 'Check the file permissions.',
    );
  }
  return parsePlanText(text, file);
}

/** Plans written back out drop defaults that only add noise, so a round trip stays readable. */
export function planToYaml(plan: Plan): string {
  return stringify(compactPlan(plan), { lineWidth: 110, flowCollectionPadding: false });
}

export function planToJson(plan: Plan): string {
  return JSON.stringify(compactPlan(plan), null, 2);
}

export function compactPlan(plan: Plan): Record<string, unknown> {
  const { apiVersion, inputs, allowUnapproved, metadata, steps, ...rest } = plan;
  const out: Record<string, unknown> = { apiVersion, ...rest };
  if (Object.keys(inputs).length) out.inputs = inputs;
  if (allowUnapproved !== false) out.allowUnapproved = allowUnapproved;
  if (Object.keys(metadata).length) out.metadata = metadata;
  out.steps = steps.map((s) => {
    const { kind, dependsOn, ...restStep } = s;
    // People read a step as: what it is, what it waits for, whether it runs, then its details.
    const step: Record<string, unknown> = { id: s.id };
    if (kind === 'approval') step.kind = kind;
    else step.task = s.task;
    if (dependsOn.length) step.dependsOn = dependsOn;
    if (s.when !== undefined) step.when = s.when;
    for (const [k, v] of Object.entries(restStep)) {
      if (k === 'id' || k === 'task' || k === 'when' || v === undefined) continue;
      if (k === 'with' && v && typeof v === 'object' && Object.keys(v).length === 0) continue;
      if (k === 'approvers' && Array.isArray(v) && v.length === 0) continue;
      step[k] = v;
    }
    return step;
  });
  return out;
}
