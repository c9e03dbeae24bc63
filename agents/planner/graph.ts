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
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import {
  Annotation,
  type BaseCheckpointSaver,
  Command,
  END,
  interrupt,
  START,
  StateGraph,
} from '@langchain/langgraph';
import { isPipewrightError, PipewrightError } from '../../src/errors.ts';
import type { Prompt } from '../../src/llm/index.ts';
import { type Plan, type Problem, validatePlan } from '../../src/plan/index.ts';
import { promoteOnlyRegisteredNames } from './bare-name-promote.ts';
import { planFromFrame } from './build/index.ts';
import { dataProblems, describedData } from './data-checks.ts';
import type { DatasetDescription } from './describe-dataset.ts';
import { DraftEnvelope, type Envelope, envelopeFromText, envelopeSchema } from './draft-envelope.ts';
import { applyAnswer, applyEdit } from './edits.ts';
import {
  ClarifyAnswer,
  type ClarifyRequest,
  type PlannerDeps,
  type PlannerResult,
  ReviewDecision,
  type ReviewRequest,
} from './graph-types.ts';
import { TOOLS_REJECTED, transportError } from './llm-errors.ts';
import { addNewestDataSource, emptyLookups, recordNewestData, unknownRetrainedModel } from './lookups.ts';
import { buildPlan } from './offline/build.ts';
import { checkSources, guessFile, locateSources, missingPathsAsOutput, screenGoal } from './offline/index.ts';
import { type GoalSpec, parseGoal } from './offline/parse.ts';
import { missingValueRun, type PastRun, pastRunsText } from './past-runs.ts';
import { plannerTools, runToolRounds, type ToolCallRecord } from './tools/index.ts';
import type { DraftOutcome, MissingPiece } from './types.ts';
import { workspaceText } from './workspace-text.ts';

export { dataProblems } from './data-checks.ts';
export { DraftEnvelope, envelopeFromText } from './draft-envelope.ts';
export * from './graph-types.ts';
export { transportError } from './llm-errors.ts';
export type { PastRun } from './past-runs.ts';

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
    const located = locateSources(s.spec ?? parseGoal(s.goal), deps.exists);
    const spec = promoteOnlyRegisteredNames(
      missingPathsAsOutput(located, located.goal, deps.exists),
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
    const unknownModel = unknownRetrainedModel(spec, deps);
    if (unknownModel) return routeOutcome({ kind: 'clarify', question: unknownModel }, s, { spec });
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
