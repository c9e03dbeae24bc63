/** Plan files: YAML and JSON read and written as the same artifact. */
import { readFile, stat } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import { isPipewrightError, userError } from '../errors.ts';
import type { Plan } from './schema.ts';

/** Bounds on a plan: its size in bytes, its step count, the values its YAML aliases may expand to (the policy may set others). */
export interface PlanLimits {
  bytes: number;
  steps: number;
  aliases: number;
}

/** 8 MiB holds a 20,000-step plan; a bigger file is refused before it is parsed. */
export const PLAN_LIMITS: PlanLimits = { bytes: 8 * 1024 * 1024, steps: 20_000, aliases: 100 };

const tooLarge = (source: string, what: string, limit: string) =>
  userError(
    'PLAN_TOO_LARGE',
    `${source} is too large: ${what}`,
    `plans are limited to ${limit}, so that reading one cannot exhaust the server`,
    'Split the pipeline into several plans, or generate repeated steps from fewer, larger ones.',
  );

/** Refuses a plan (text or parsed data) over the step limit. */
export function checkPlanSize(raw: unknown, source = 'the plan', limits: PlanLimits = PLAN_LIMITS): void {
  const steps = (raw as { steps?: unknown } | null)?.steps;
  if (Array.isArray(steps) && steps.length > limits.steps)
    throw tooLarge(source, `${steps.length} steps`, `${limits.steps} steps`);
}

/**
 * Parses plan text (YAML is a superset of JSON) into plain data, with line and column on syntax errors.
 * Bounded: the text's size, YAML alias expansion (an alias bomb) and the step count are checked, and every
 * failure is a user error (exit 2 / HTTP 400), never an internal one.
 */
export function parsePlanText(text: string, source = 'plan', limits: PlanLimits = PLAN_LIMITS): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.bytes) throw tooLarge(source, `${bytes} bytes`, `${limits.bytes} bytes`);
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    throw unreadable(source, e);
  }
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
          path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
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
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: limits.aliases });
  } catch (e) {
    if (/alias/i.test((e as Error).message)) {
      throw userError(
        'PLAN_TOO_COMPLEX',
        `${source} expands too many YAML aliases`,
        `a plan may use at most ${limits.aliases} aliases (*name); more looks like an alias bomb`,
        'Write the repeated values out, or use fewer anchors and aliases.',
      );
    }
    throw unreadable(source, e);
  }
  checkPlanSize(raw, source, limits);
  return raw;
}

function unreadable(source: string, e: unknown) {
  return userError(
    'PLAN_PARSE',
    `Cannot read ${source}`,
    e instanceof RangeError ? 'it is nested too deeply' : (e as Error).message,
    'Fix the YAML/JSON; `pipewright validate <plan>` checks a file without running it.',
  );
}

export async function readPlanFile(file: string, limits: PlanLimits = PLAN_LIMITS): Promise<unknown> {
  let text: string;
  try {
    const size = (await stat(file)).size;
    if (size > limits.bytes) throw tooLarge(file, `${size} bytes`, `${limits.bytes} bytes`);
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
  return parsePlanText(text, file, limits);
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
