/**
 * The planner graph:
 *
 *   understand → gather → draft → validate ─ok→ review ─approve/edit→ END
 *     │  ↑                  ↑  │      │           │
 *     │  └── clarify ←──────┼──┘      │           │ a follow-up is an edit: the frame changes, understand
 *     │   (answer fills     └─repair──┘           │ again; an edit that fails brings the plan back with
 *     │    the missing piece)                     │ its problems
 *     └→ END (refuse; clarify when review is off) ┘
 *
 * Drafting is the offline planner when no chat model is given, else the model with structured output against
 * the plan envelope. With `tools`, the model first gets bounded rounds of tool calls (describe_dataset,
 * task_catalog) and their ToolMessages; an answer that is already a valid envelope is taken as the draft,
 * otherwise a structured call with what it looked up makes it. Review is a LangGraph interrupt(); the
 * caller's checkpointer keeps the state, so a review can wait for days and survive restarts. interrupt() is
 * never wrapped in try/catch.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, type MessageContent, SystemMessage } from '@langchain/core/messages';
import {
  Annotation,
  type BaseCheckpointSaver,
  Command,
  END,
  interrupt,
  START,
  StateGraph,
} from '@langchain/langgraph';
import { z } from 'zod';
import { isPipewrightError, PipewrightError } from '../../src/errors.ts';
import type { Prompt } from '../../src/llm/index.ts';
import { Plan, type Problem, type TaskLookup, validatePlan } from '../../src/plan/index.ts';
import type { CatalogEntry } from '../../src/tasks/index.ts';
import { promoteOnlyRegisteredNames } from './bare-name-promote.ts';
import { planFromFrame } from './build/index.ts';
import { type DatasetDescription, type DescribeDataset, TEXT_TYPES } from './describe-dataset.ts';
import { applyAnswer, applyEdit } from './edits.ts';
import { addNewestDataSource, emptyLookups, type OpenLookups, recordNewestData } from './lookups.ts';
import { buildPlan } from './offline/build.ts';
import { checkSources, guessFile, locateSources, screenGoal } from './offline/index.ts';
import { type GoalSpec, parseGoal } from './offline/parse.ts';
import { missingValueRun, type PastRun, pastRunsText } from './past-runs.ts';
import { messageText, plannerTools, runToolRounds, type ToolCallRecord } from './tools/index.ts';
import type { DraftOutcome, MissingPiece } from './types.ts';

export type { PastRun } from './past-runs.ts';

export type PlannerResult =
  | { kind: 'plan'; plan: Plan; notes: string[] }
  | { kind: 'clarify'; question: string }
  | { kind: 'refuse'; reason: string };

/** The answer to a clarifying question (resumes a `clarify` interrupt). */
export const ClarifyAnswer = z.object({
  answer: z.string().min(1).describe('The missing piece, in words: a column, a file, which model or run'),
  by: z.string().optional(),
});
export type ClarifyAnswer = z.infer<typeof ClarifyAnswer>;

/** What the clarify interrupt shows the person. */
export interface ClarifyRequest {
  kind: 'clarify';
  question: string;
  about?: MissingPiece;
}

export const ReviewDecision = z.discriminatedUnion('action', [
  z.object({ action: z.literal('approve'), by: z.string().optional() }),
  z.object({
    action: z.literal('edit'),
    plan: z.unknown().describe('The replacement plan'),
    by: z.string().optional(),
  }),
  z.object({
    action: z.literal('reject'),
    feedback: z.string().min(1).describe('What to change'),
    by: z.string().optional(),
  }),
]);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/** What the review interrupt shows the person. */
export interface ReviewRequest {
  kind: 'plan_review';
  plan: Plan;
  notes: string[];
  /** Problems of a rejected edit, when the last edit was invalid. */
  problems: Problem[];
}

export interface PlannerDeps {
  registry: TaskLookup & { catalog(): CatalogEntry[] };
  describe: DescribeDataset;
  exists: (file: string) => boolean;
  dataFiles?: () => string[];
  /** A chat model drafts the plan; without one the offline planner does. */
  model?: BaseChatModel;
  /** Provider and model name, recorded in plan metadata (never the API key). */
  modelInfo?: { provider: string; model?: string };
  /** The draft prompt (prompts/planner/draft.md), required with a model. */
  prompt?: Prompt;
  /** How structured output is asked of the model (default: the client's choice, json_schema for OpenAI). */
  structuredOutput?: 'jsonSchema' | 'functionCalling' | 'jsonMode';
  /** Ask a person to approve, edit or reject the plan (default true). */
  review?: boolean;
  /** Drafts before giving up (the first plus repairs; default 3). */
  maxAttempts?: number;
  /** Similar past runs from run memory, shown to the drafter as context. Failures count as none. */
  pastRuns?: (goal: string) => Promise<PastRun[]>;
  /**
   * What exists in the workspace (registered models, runs, dataset versions, triggers), opened for one
   * planning turn and closed after. Without it nothing is registered and references get questions.
   */
  lookups?: () => OpenLookups;
  /**
   * Let the model call describe_dataset and task_catalog before it drafts (models with bindTools only):
   * the system prompt of the look-up rounds (prompts/planner/tools.md), the prompt that hands the look-ups
   * to the structured draft (prompts/planner/tool-context.md) and the bound on tool rounds (default 3).
   */
  tools?: { prompt: Prompt; context: Prompt; maxRounds?: number };
}

const State = Annotation.Root({
  goal: Annotation<string>,
  feedback: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  spec: Annotation<GoalSpec | undefined>,
  data: Annotation<DatasetDescription | undefined>,
  second: Annotation<DatasetDescription | undefined>,
  pastRuns: Annotation<PastRun[]>,
  /** What exists in the workspace, as text for a drafting model (registered models, recent runs). */
  workspace: Annotation<string | undefined>,
  candidate: Annotation<unknown>,
  notes: Annotation<string[]>,
  problems: Annotation<Problem[]>,
  attempts: Annotation<number>,
  plan: Annotation<Plan | undefined>,
  reviewProblems: Annotation<Problem[]>,
  result: Annotation<PlannerResult | undefined>,
  /** A question waiting for its answer (review on). */
  ask: Annotation<{ question: string; about?: MissingPiece } | undefined>,
  /** The plan a follow-up edits: kept and shown again, with the problems, when the edit does not work. */
  editBase: Annotation<{ plan: Plan; spec: GoalSpec | undefined; notes: string[] } | undefined>,
});
type S = typeof State.State;

/** What an LLM answers: a plan, one question, or a refusal. */
export const DraftEnvelope = z
  .object({
    plan: z.record(z.string(), z.unknown()).optional().describe('The pipeline plan'),
    clarify: z.string().optional().describe('One question, when a required piece is missing'),
    refuse: z.string().optional().describe('Why the goal is unsafe'),
  })
  .describe('The planner answer');

type Envelope = z.infer<typeof DraftEnvelope>;

/** A free-text answer that is already a complete envelope (JSON, maybe in a code fence), else undefined. */
export function envelopeFromText(content: MessageContent): Envelope | undefined {
  const text = messageText(content);
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const parsed = DraftEnvelope.safeParse(JSON.parse(text.slice(start, end + 1)));
    if (!parsed.success) return undefined;
    const { plan, clarify, refuse } = parsed.data;
    return plan || clarify || refuse ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** HTTP statuses with which servers turn down requests that offer tools (no tool support, no --jinja). */
const TOOLS_REJECTED = new Set([400, 404, 405, 422, 500, 501]);

function envelopeSchema(): Record<string, unknown> {
  const plan = z.toJSONSchema(Plan, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete plan.$schema;
  return {
    type: 'object',
    properties: {
      plan,
      clarify: { type: 'string', description: 'One question, when a required piece is missing' },
      refuse: { type: 'string', description: 'Why the goal is unsafe' },
    },
  };
}

/** Data checks beside the plan validator: the target exists, the task type fits it. */
export function dataProblems(plan: Plan, data: DatasetDescription | undefined): Problem[] {
  if (!data) return [];
  const out: Problem[] = [];
  plan.steps.forEach((s, i) => {
    if (s.kind !== 'task' || !s.task.startsWith('train.')) return;
    const target = s.with.target;
    if (typeof target !== 'string' || target.includes('${{')) return;
    const col = data.columns.find((c) => c.name === target);
    if (!col) {
      out.push({
        path: `steps[${i}].with.target`,
        message: `"${target}" is not a column of ${data.path}; columns: ${data.columns.map((c) => c.name).join(', ')}`,
      });
    } else if (s.with.taskType === 'regression' && TEXT_TYPES.test(col.type)) {
      out.push({
        path: `steps[${i}].with.taskType`,
        message: `"${target}" is ${col.type}, so the task is classification, not regression`,
      });
    }
  });
  return out;
}

/**
 * A failed request (timeout, refused connection, HTTP error) as a clear error, or undefined when the error is
 * about the answer itself (unparseable output), which the repair loop handles. Messages never hold the key.
 */
export function transportError(e: unknown, info: PlannerDeps['modelInfo']): PipewrightError | undefined {
  const err = e as {
    name?: string;
    message?: string;
    status?: unknown;
    status_code?: unknown;
    code?: unknown;
    cause?: unknown;
  };
  const text = `${err?.name ?? ''} ${err?.message ?? ''}`;
  const causeCode = (err?.cause as { code?: string } | undefined)?.code;
  const who = `${info?.provider ?? 'LLM'}${info?.model ? ` model "${info.model}"` : ''}`;
  const why = (err?.message ?? String(e)).replace(/\b(sk|key)-[\w-]+/gi, '[redacted]').slice(0, 300);
  if (/TimeoutError|timed? ?out/i.test(text)) {
    return new PipewrightError({
      code: 'LLM_TIMEOUT',
      category: 'third-party',
      what: `The ${who} did not answer in time, even after retries`,
      why,
      fix: 'Check that the server is up and the model loaded, raise PIPEWRIGHT_LLM_TIMEOUT_MS, or use --provider offline.',
      retryable: true,
    });
  }
  const rawStatus = err?.status ?? err?.status_code;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  if (
    status !== undefined ||
    /APIConnectionError|ECONNREFUSED|ENOTFOUND|ECONNRESET|fetch failed|socket hang up/i.test(text) ||
    /ECONNREFUSED|ENOTFOUND|ECONNRESET/.test(String(causeCode ?? err?.code ?? ''))
  ) {
    return new PipewrightError({
      code: 'LLM_REQUEST_FAILED',
      category: 'third-party',
      what: `The request to the ${who} failed${status ? ` with HTTP ${status}` : ''}`,
      why,
      fix:
        status === 401 || status === 403
          ? 'Check PIPEWRIGHT_LLM_API_KEY.'
          : 'Check PIPEWRIGHT_LLM_BASE_URL / --base-url and that the server is running, or use --provider offline.',
      retryable: status === undefined || status >= 500 || status === 429,
    });
  }
  return undefined;
}

/** The first dataset a describe_dataset call returned, for the data checks. */
function describedData(lookups: ToolCallRecord[]): DatasetDescription | undefined {
  for (const l of lookups) {
    if (l.name !== 'describe_dataset' || !l.ok) continue;
    try {
      const d = JSON.parse(l.content) as DatasetDescription;
      if (Array.isArray(d.columns)) return d;
    } catch {
      // Truncated output: no data checks from it.
    }
  }
  return undefined;
}

/** Registered models and the latest runs, in a few lines (the model may look up more with find_models / find_runs). */
function workspaceText(deps: PlannerDeps): string {
  if (!deps.lookups) return 'not known (no look-ups)';
  const { look, close } = deps.lookups();
  try {
    const models = look.models().map((m) => {
      const v = m.versions[0];
      const aliases =
        Object.entries(m.aliases)
          .map(([a, n]) => `${a}=v${n}`)
          .join(', ') || 'no aliases';
      return `- model ${m.name}: versions ${m.versions
        .map((x) => x.version)
        .reverse()
        .join(
          ',',
        )}; ${aliases}; predicts ${v?.target ?? '?'}${v?.sources.length ? ` from ${v.sources.join(', ')}` : ''}`;
    });
    const runs = look
      .runs(5)
      .map(
        (r) =>
          `- run ${r.id} (${r.planName}) ${r.status} at ${r.createdAt}${r.error ? `: ${r.error.slice(0, 120)}` : ''}`,
      );
    return [...models, ...runs].join('\n') || 'nothing registered, no past runs';
  } catch {
    return 'not known (the look-ups failed)';
  } finally {
    close();
  }
}

function toResult(outcome: DraftOutcome): PlannerResult | undefined {
  if (outcome.kind === 'clarify') return { kind: 'clarify', question: outcome.question };
  if (outcome.kind === 'refuse') return { kind: 'refuse', reason: outcome.reason };
  return undefined;
}

export function createPlannerGraph(deps: PlannerDeps, opts: { checkpointer?: BaseCheckpointSaver } = {}) {
  const maxAttempts = deps.maxAttempts ?? 3;
  if (deps.model && !deps.prompt)
    throw new Error('a chat model needs the draft prompt (prompts/planner/draft.md)');
  const maxToolRounds = deps.tools?.maxRounds ?? 3;
  const toolList = plannerTools(deps);
  // Bound once, so every round of every draft goes through the same bound model.
  let toolModel =
    deps.model && deps.tools && typeof deps.model.bindTools === 'function'
      ? deps.model.bindTools(toolList)
      : undefined;

  /**
   * The model's envelope for one draft: bounded tool rounds first (when offered), then, unless the last
   * answer already is an envelope, a structured-output call with what was looked up. Transport failures
   * throw clear errors; an answer that is not an envelope throws a plain error (a repair round).
   */
  const ask = async (
    text: string,
  ): Promise<{ answer: Envelope; lookups: ToolCallRecord[]; toolsOffered: boolean; note?: string }> => {
    const model = deps.model as BaseChatModel;
    const lookups: ToolCallRecord[] = [];
    let toolsOffered = toolModel !== undefined;
    let note: string | undefined;
    if (toolModel && deps.tools) {
      try {
        const rounds = await runToolRounds(
          toolModel,
          [
            new SystemMessage(deps.tools.prompt.render({ maxRounds: String(maxToolRounds) })),
            new HumanMessage(text),
          ],
          toolList,
          maxToolRounds,
        );
        lookups.push(...rounds.calls);
        const direct = rounds.final && envelopeFromText(rounds.final.content);
        if (direct) return { answer: direct, lookups, toolsOffered };
      } catch (e) {
        const transport = transportError(e, deps.modelInfo);
        const status = (e as { status?: unknown })?.status;
        if (transport && typeof status === 'number' && TOOLS_REJECTED.has(status)) {
          // The server does not take tools: draft without them from now on.
          toolModel = undefined;
          toolsOffered = false;
          note = `the model server turned down tool calls (HTTP ${status}), so the plan was drafted without describe_dataset / task_catalog`;
        } else if (transport) throw transport;
        // Anything else (an unreadable tool call) falls through to the structured draft.
      }
    }
    const context = lookups.length
      ? `\n\n${deps.tools?.context.render({
          lookups: lookups.map((l) => `- ${l.name}(${JSON.stringify(l.args)}) → ${l.content}`).join('\n'),
        })}`
      : '';
    const raw = await model
      .withStructuredOutput(envelopeSchema(), {
        name: 'plan_draft',
        ...(deps.structuredOutput ? { method: deps.structuredOutput } : {}),
      })
      .invoke(text + context);
    const parsed = DraftEnvelope.safeParse(raw);
    if (!parsed.success)
      throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return { answer: parsed.data, lookups, toolsOffered, ...(note ? { note } : {}) };
  };

  /**
   * Where a question goes: during an edit the edited plan comes back with the question as its problem; with a
   * person in the loop it waits as an interrupt for the answer; otherwise it is the result.
   */
  const routeOutcome = (out: DraftOutcome, s: S, extra: Partial<S> = {}): Command => {
    if (out.kind === 'refuse' && !s.editBase)
      return new Command({ goto: END, update: { ...extra, result: toResult(out) } });
    const message =
      out.kind === 'clarify' ? out.question : out.kind === 'refuse' ? `refused: ${out.reason}` : '';
    if (s.editBase)
      return new Command({
        goto: 'review',
        update: {
          ...extra,
          plan: s.editBase.plan,
          spec: s.editBase.spec,
          notes: s.editBase.notes,
          reviewProblems: [{ path: '(edit)', message: `the change was not made: ${message}` }],
          editBase: undefined,
        },
      });
    if (out.kind === 'clarify' && deps.review !== false)
      return new Command({
        goto: 'clarify',
        update: { ...extra, ask: { question: out.question, ...(out.about ? { about: out.about } : {}) } },
      });
    return new Command({ goto: END, update: { ...extra, result: toResult(out) } });
  };

  const understand = (s: S) => {
    const screened = screenGoal(s.goal);
    if (screened) return new Command({ goto: END, update: { result: toResult(screened) } });
    const spec = promoteOnlyRegisteredNames(
      locateSources(s.spec ?? parseGoal(s.goal), deps.exists),
      deps.lookups,
    );
    // A data file is guessed from words only for pipelines: a script reads its own data.
    if (spec.sources.length === 0 && deps.dataFiles && spec.operation === 'pipeline') {
      const guessed = guessFile(spec.goal, deps.dataFiles());
      if (guessed) spec.sources.push({ kind: 'file', path: guessed });
    }
    if (spec.sources.length === 0) addNewestDataSource(spec, deps);
    const problem = checkSources(spec, deps);
    if (problem) return routeOutcome(problem, s, { spec });
    if (!deps.model && spec.sources.length === 0 && spec.operation === 'pipeline')
      return routeOutcome(buildPlan({ spec }), s, { spec });
    return new Command({
      goto: 'gather',
      update: { spec, attempts: 0, problems: [], ...(s.editBase ? {} : { reviewProblems: [] }) },
    });
  };

  /** Waits for the answer to a question, then plans again with the missing piece filled in. */
  const clarify = (s: S) => {
    const ask = s.ask as { question: string; about?: MissingPiece };
    const request: ClarifyRequest = {
      kind: 'clarify',
      question: ask.question,
      ...(ask.about ? { about: ask.about } : {}),
    };
    const { answer } = ClarifyAnswer.parse(interrupt(request));
    const screened = screenGoal(answer);
    if (screened?.kind === 'refuse')
      return new Command({ goto: END, update: { result: toResult(screened) } });
    const spec = applyAnswer(s.spec ?? parseGoal(s.goal), ask.about, answer);
    return new Command({
      goto: 'understand',
      update: { spec, ask: undefined, feedback: [`Asked: ${ask.question} Answered: ${answer}`] },
    });
  };

  const gather = async (s: S): Promise<Partial<S>> => {
    const [first, next] = s.spec?.sources ?? [];
    const data = first?.kind === 'file' ? await deps.describe(first.path) : undefined;
    const second = next?.kind === 'file' ? await deps.describe(next.path) : undefined;
    let pastRuns: PastRun[] = [];
    if (deps.pastRuns) {
      try {
        pastRuns = (await deps.pastRuns(s.goal)).slice(0, 3);
      } catch {
        pastRuns = []; // memory is context, never a reason to fail planning
      }
    }
    return { data, second, pastRuns, ...(deps.model ? { workspace: workspaceText(deps) } : {}) };
  };

  const draft = async (s: S): Promise<Command> => {
    const attempts = s.attempts + 1;
    if (!deps.model) {
      // Answers and edits changed the frame itself; nothing is appended to the goal.
      let spec = s.spec ?? parseGoal(s.goal);
      const past = s.pastRuns ?? [];
      const first = spec.sources[0];
      const failed = missingValueRun(past, first?.kind === 'file' ? first.path : undefined, s.data);
      const handled = spec.prep.some((p) => p.op === 'impute' || p.op === 'dropna');
      const learned: string[] = [];
      if (failed && !handled && spec.wants.train) {
        spec = { ...spec, prep: [...spec.prep, { op: 'impute', strategy: 'median' }] };
        learned.push(
          `past run ${failed.runId} on the same data failed on missing values, so an impute step (median) was added`,
        );
      }
      const opened = deps.lookups?.() ?? { look: emptyLookups(''), close: () => {} };
      let out: DraftOutcome;
      try {
        out = await planFromFrame(spec, {
          look: opened.look,
          describe: deps.describe,
          exists: deps.exists,
          data: s.data,
          second: s.second,
        });
        if (out.kind === 'plan')
          out = { ...out, plan: recordNewestData(out.plan, spec, opened.look, out.notes) };
      } finally {
        opened.close();
      }
      if (out.kind !== 'plan') return routeOutcome(out, s, { attempts });
      const notes = [...out.notes, ...learned];
      const plan = past.length
        ? {
            ...out.plan,
            metadata: { ...out.plan.metadata, notes, pastRuns: past.map((r) => r.runId) },
          }
        : out.plan;
      return new Command({ goto: 'validate', update: { candidate: plan, notes, attempts } });
    }
    const prompt = deps.prompt as Prompt;
    const feedback = [
      ...(s.editBase
        ? [
            `The current plan, which the reviewer wants changed (keep everything they do not ask to change): ${JSON.stringify(s.editBase.plan)}`,
          ]
        : []),
      ...s.feedback.map((f) => `Reviewer feedback on an earlier plan: ${f}`),
      ...(s.problems.length
        ? [
            'Your previous answer had these problems; fix every one:',
            ...s.problems.map((p) => `- ${p.path || '(plan)'}: ${p.message}`),
          ]
        : []),
    ].join('\n');
    const text = prompt.render({
      goal: s.goal,
      catalog: JSON.stringify(
        deps.registry.catalog().map((c) => ({
          id: c.id,
          description: c.description,
          needsApproval: c.needsApproval,
          input: c.input,
        })),
      ),
      dataset: s.data
        ? JSON.stringify({
            path: s.data.path,
            rows: s.data.rows,
            columns: s.data.columns,
            sample: s.data.sample,
          })
        : 'none described',
      pastRuns: pastRunsText(s.pastRuns ?? []),
      workspace: s.workspace ?? 'nothing registered, no past runs',
      feedback,
    });
    let answer: Envelope;
    let lookups: ToolCallRecord[];
    let toolsOffered: boolean;
    let note: string | undefined;
    try {
      ({ answer, lookups, toolsOffered, note } = await ask(text));
    } catch (e) {
      // The server could not be reached or did not answer (after the client's own retries): no repair helps.
      if (isPipewrightError(e)) throw e;
      const transport = transportError(e, deps.modelInfo);
      if (transport) throw transport;
      const message = `the model's answer was not a plan envelope: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`;
      return new Command({
        goto: 'validate',
        update: { candidate: undefined, problems: [{ path: '', message }], attempts },
      });
    }
    if (answer.refuse) return routeOutcome({ kind: 'refuse', reason: answer.refuse }, s, { attempts });
    if (answer.clarify && !answer.plan)
      return routeOutcome({ kind: 'clarify', question: answer.clarify, about: 'other' }, s, { attempts });
    if (!answer.plan)
      return new Command({
        goto: 'validate',
        update: {
          candidate: undefined,
          problems: [{ path: '', message: 'the answer held neither a plan, a question nor a refusal' }],
          attempts,
        },
      });
    const metadata = {
      ...((answer.plan.metadata as Record<string, unknown> | undefined) ?? {}),
      planner: 'llm',
      provider: deps.modelInfo?.provider ?? 'unknown',
      ...(deps.modelInfo?.model ? { model: deps.modelInfo.model } : {}),
      prompt: { id: prompt.id, version: prompt.version },
      attempts,
      ...(s.pastRuns?.length ? { pastRuns: s.pastRuns.map((r) => r.runId) } : {}),
      ...(toolsOffered && deps.tools
        ? {
            tools: {
              prompt: { id: deps.tools.prompt.id, version: deps.tools.prompt.version },
              calls: lookups.map((l) => ({ name: l.name, args: l.args, ok: l.ok })),
            },
          }
        : {}),
    };
    // A dataset the model described itself backs the data checks when the goal's own was not found.
    const described = s.data ?? describedData(lookups);
    return new Command({
      goto: 'validate',
      update: {
        candidate: { ...answer.plan, goal: s.goal, metadata },
        notes: note ? [note] : [],
        attempts,
        ...(described && !s.data ? { data: described } : {}),
      },
    });
  };

  const validate = (s: S): Partial<S> => {
    let problems: Problem[];
    let plan: Plan | undefined;
    if (s.candidate === undefined) problems = s.problems;
    else {
      const r = validatePlan(s.candidate, deps.registry);
      problems = r.ok ? dataProblems(r.plan, s.data) : r.problems;
      plan = r.ok && problems.length === 0 ? r.plan : undefined;
    }
    if (plan) return { plan, problems: [], editBase: undefined };
    if (s.attempts >= maxAttempts && s.editBase) {
      // An edit that cannot be made valid: the plan before it stays, with the problems listed.
      return {
        plan: s.editBase.plan,
        spec: s.editBase.spec,
        notes: s.editBase.notes,
        reviewProblems: problems,
        editBase: undefined,
        problems: [],
      };
    }
    if (s.attempts >= maxAttempts) {
      throw new PipewrightError({
        code: 'PLANNER_NO_VALID_PLAN',
        category: deps.model ? 'third-party' : 'system',
        what: `The planner could not produce a valid plan in ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}`,
        why: problems
          .slice(0, 5)
          .map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`)
          .join('; '),
        fix: deps.model
          ? 'Rephrase the goal more concretely, try a stronger model, or use the offline planner (provider "offline").'
          : 'Rephrase the goal, or write the plan by hand and check it with `pipewright validate`.',
        retryable: false,
        details: { problems },
      });
    }
    return { plan: undefined, problems };
  };

  const review = (s: S) => {
    const plan = s.plan as Plan;
    const finish = (result: PlannerResult) => new Command({ goto: END, update: { result } });
    if (deps.review === false) return finish({ kind: 'plan', plan, notes: s.notes ?? [] });
    const request: ReviewRequest = {
      kind: 'plan_review',
      plan,
      notes: s.notes ?? [],
      problems: s.reviewProblems ?? [],
    };
    const decision = ReviewDecision.parse(interrupt(request));
    if (decision.action === 'approve') {
      const approved = {
        ...plan,
        metadata: {
          ...plan.metadata,
          review: { decision: 'approved', ...(decision.by ? { by: decision.by } : {}) },
        },
      };
      return finish({ kind: 'plan', plan: approved, notes: s.notes ?? [] });
    }
    if (decision.action === 'edit') {
      const r = validatePlan(decision.plan, deps.registry);
      if (!r.ok) return new Command({ goto: 'review', update: { reviewProblems: r.problems } });
      const edited = {
        ...r.plan,
        metadata: {
          ...r.plan.metadata,
          review: { decision: 'edited', ...(decision.by ? { by: decision.by } : {}) },
        },
      };
      return finish({ kind: 'plan', plan: edited, notes: s.notes ?? [] });
    }
    // A follow-up is an edit of this plan: the offline planner changes its frame and builds it again (files
    // are checked and described anew); a model gets the current plan with the feedback. Either way an edit
    // that does not work brings this plan back with its problems.
    const editBase = { plan, spec: s.spec, notes: s.notes ?? [] };
    const screened = screenGoal(decision.feedback);
    if (screened?.kind === 'refuse')
      return new Command({
        goto: 'review',
        update: {
          reviewProblems: [{ path: '(edit)', message: `the change was not made: ${screened.reason}` }],
        },
      });
    const common = { feedback: [decision.feedback], attempts: 0, problems: [], reviewProblems: [], editBase };
    if (!deps.model)
      return new Command({
        goto: 'understand',
        update: { ...common, spec: applyEdit(s.spec ?? parseGoal(s.goal), decision.feedback) },
      });
    return new Command({ goto: 'draft', update: common });
  };

  const graph = new StateGraph(State)
    .addNode('understand', understand, { ends: ['gather', 'clarify', 'review', END] })
    .addNode('clarify', clarify, { ends: ['understand', END] })
    .addNode('gather', gather)
    .addNode('draft', draft, { ends: ['validate', 'clarify', 'review', END] })
    .addNode('validate', validate)
    .addNode('review', review, { ends: ['understand', 'draft', 'review', END] })
    .addEdge(START, 'understand')
    .addEdge('gather', 'draft')
    .addConditionalEdges('validate', (s: S) => (s.plan ? 'review' : 'draft'), ['review', 'draft']);
  return graph.compile(opts.checkpointer ? { checkpointer: opts.checkpointer } : {});
}

export type PlannerGraph = ReturnType<typeof createPlannerGraph>;
