/**
 * The offline planner: the embedded default, no model. Rules read the goal (parse.ts), the data is described
 * for real (describe_dataset), and build.ts assembles the plan. Deterministic: the same goal and data give the
 * same plan.
 */
import { planFromFrame } from '../build/index.ts';
import type { DatasetDescription, DescribeDataset } from '../describe-dataset.ts';
import { emptyLookups } from '../lookups.ts';
import type { Lookups } from '../resolve.ts';
import type { DraftOutcome } from '../types.ts';
import { type GoalSpec, parseGoal } from './parse.ts';
import { unsafeReason } from './safety.ts';

export { buildPlan } from './build.ts';
export { matchColumn } from './columns.ts';
export { type GoalSpec, parseGoal } from './parse.ts';
export { unsafeReason } from './safety.ts';
export { parseSchedule } from './schedule.ts';

export const MAX_GOAL_CHARS = 4000;

export interface OfflineContext {
  describe: DescribeDataset;
  /** Whether a workspace-relative file exists. */
  exists: (file: string) => boolean;
  /** Data files in the workspace, for goals that name a dataset without its extension ("the penguins data"). */
  dataFiles?: () => string[];
  /** What exists in the workspace (registered models, runs, datasets); none when left out. */
  look?: Lookups;
}

/** Checks every goal gets, whoever drafts the plan: empty, too long, unsafe. */
export function screenGoal(goal: string): DraftOutcome | undefined {
  const text = goal.trim();
  if (!text)
    return {
      kind: 'clarify',
      question:
        'What should the pipeline do? Describe the goal, e.g. "predict Species from data/penguins.json".',
    };
  if (text.length > MAX_GOAL_CHARS) {
    return {
      kind: 'refuse',
      reason: `the goal is ${text.length} characters long; goals are limited to ${MAX_GOAL_CHARS}. Describe the pipeline in a few sentences and put data in files.`,
    };
  }
  const unsafe = unsafeReason(text);
  if (unsafe)
    return {
      kind: 'refuse',
      reason: `${unsafe}; pipewright plans only catalog tasks and never runs text from a goal as a command.`,
    };
  return undefined;
}

export function guessFile(goal: string, files: string[]): string | undefined {
  const lower = goal.toLowerCase();
  const hits = files.filter((f) => {
    const base = (f.split('/').pop() ?? f).replace(/\.[^.]+$/, '').toLowerCase();
    return (
      base.length >= 3 && new RegExp(String.raw`\b${base.replace(/[^a-z0-9]+/g, '[ _-]?')}\b`).test(lower)
    );
  });
  return hits.length === 1 ? hits[0] : undefined;
}

/**
 * A bare file name that is not in the workspace root but is in data/ ("k-NN on penguins.json") means the
 * data/ one: people name files by their name, not their folder.
 */
export function locateSources(spec: GoalSpec, exists: (file: string) => boolean): GoalSpec {
  for (const s of spec.sources)
    if (s.kind === 'file' && !s.path.includes('/') && !exists(s.path) && exists(`data/${s.path}`))
      s.path = `data/${s.path}`;
  return spec;
}

/** A verb that writes, a few words ("whatever comes out", "everything the model says"), then where: a path. */
const WRITTEN_TO =
  /\b(?:write|save|store|put|export|dump|keep|place|persist|send|return|deliver|drop|land|leave|stash)\w*\b([^.;:!?]{0,50}?)\b(?:to|in|into|at|as|under)\s+(?:the\s+)?(?:folder\s+|file\s+|directory\s+)?["'\x60]?((?:\.?\/)?[\w.-]+(?:\/[\w.-]+)*\.[a-z]{2,8}\b|(?:\.?\/)?[\w-]+(?:\/[\w.-]+)*\/(?![\w.-]))/gi;

/**
 * Where results go when no output phrase was found: a path after a verb that writes ("save what it says in
 * results/x.csv", "keep whatever comes out in out/"), that is not a file the goal reads, when another source is
 * read. A missing file said so is not a missing input; one said any other way still gets its question.
 */
export function missingPathsAsOutput(
  spec: GoalSpec,
  goal: string,
  exists: (file: string) => boolean,
): GoalSpec {
  if (spec.output) return spec;
  const read = spec.sources.filter((s) => s.kind !== 'file' || exists(s.path));
  if (read.length === 0) return spec;
  const candidates = new Set<string>();
  for (const m of goal.matchAll(WRITTEN_TO)) {
    const path = (m[2] as string).replace(/^\.\//, '').replace(/(?<=[\w/])\.+$/, '');
    const between = m[1] as string;
    if (/\b(?:rows?|columns?|only|just|records?)\b/i.test(between)) continue;
    if (read.some((s) => s.kind === 'file' && s.path === path)) continue;
    if (!path.endsWith('/') && exists(path)) continue;
    candidates.add(path);
  }
  if (candidates.size !== 1) return spec;
  const [output] = [...candidates] as [string];
  return { ...spec, output, sources: spec.sources.filter((s) => !(s.kind === 'file' && s.path === output)) };
}

/** A clarifying question when a named source cannot be read: unsupported store, missing file. */
export function checkSources(spec: GoalSpec, ctx: Pick<OfflineContext, 'exists'>): DraftOutcome | undefined {
  const unsupported = spec.sources.find((s) => s.kind === 'unsupported');
  if (unsupported && unsupported.kind === 'unsupported') {
    return {
      kind: 'clarify',
      question: `${unsupported.location}: ${unsupported.why}. Could you copy the data into the workspace (e.g. data/${unsupported.location
        .split('/')
        .pop()
        ?.replace(
          /\.(xlsx|xls|avro|orc|feather|txt)$/i,
          '.csv',
        )}) or give an http(s) URL or a postgres:// connection instead?`,
    };
  }
  for (const s of spec.sources) {
    if (s.kind === 'file' && !ctx.exists(s.path)) {
      return {
        kind: 'clarify',
        about: 'source',
        question: `The file "${s.path}" does not exist in the workspace. Which file should the pipeline read? (Paths are relative to the workspace.)`,
      };
    }
  }
  return undefined;
}

export async function planOffline(
  goal: string,
  ctx: OfflineContext,
  feedback: string[] = [],
): Promise<DraftOutcome> {
  const screened = screenGoal(goal);
  if (screened) return screened;
  // Review feedback is read as more goal text; later mentions win.
  const said = [goal, ...feedback].join('. ');
  const spec = missingPathsAsOutput(locateSources(parseGoal(said), ctx.exists), said, ctx.exists);
  if (spec.sources.length === 0 && ctx.dataFiles && spec.operation === 'pipeline') {
    const guessed = guessFile(goal, ctx.dataFiles());
    if (guessed) spec.sources.push({ kind: 'file', path: guessed });
  }
  const problem = checkSources(spec, ctx);
  if (problem) return problem;
  let data: DatasetDescription | undefined;
  let second: DatasetDescription | undefined;
  const [first, next] = spec.sources;
  if (first?.kind === 'file') data = await ctx.describe(first.path);
  if (next?.kind === 'file') second = await ctx.describe(next.path);
  return planFromFrame(spec, {
    look: ctx.look ?? emptyLookups(''),
    describe: ctx.describe,
    exists: ctx.exists,
    data,
    second,
  });
}
