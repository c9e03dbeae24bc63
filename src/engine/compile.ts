/**
 * A plan compiled to a LangGraph StateGraph of two nodes: `schedule` picks the steps whose dependencies
 * have finished and hands each to `step` with a Send; every step's `step` task runs in parallel in one
 * superstep, then `schedule` looks again. Approvals pause the graph with interrupt().
 *
 * Outcomes and outputs live in the run store (written in the step's own transaction), not in graph state:
 * a checkpoint holds the run inputs and the superstep's pending Sends, so its size does not grow with the
 * number of steps that ran, and a graph of 10,000 steps costs LangGraph what a graph of two does. The
 * ordering is the same as one node per step with an edge per dependency (a join waits for all of its
 * dependencies, supersteps as before); docs/engine.md has the reasons.
 */
import {
  Annotation,
  type BaseCheckpointSaver,
  Command,
  END,
  interrupt,
  Send,
  START,
  StateGraph,
} from '@langchain/langgraph';
import {
  ApprovalDecision,
  type ApprovalStep,
  evaluate,
  type Plan,
  parseDuration,
  parseExpression,
  type Step,
} from '../plan/index.ts';
import type { RunStore, StepRecord } from '../store/index.ts';
import type { TaskRegistry } from '../tasks/index.ts';
import { type ApprovalEvidence, computeApprovalEvidence } from './approval-evidence.ts';
import { conditionReason } from './condition-explain.ts';
import { isTerminalStep, type StepScheduler } from './scheduler.ts';
import { hashValue, runTaskStep, type StepEnv, type StepResult } from './step-runner.ts';
import { lazyRunScope, lazyUpstream, recordedOutputs, stepScope } from './step-scope.ts';

export const RunState = Annotation.Root({
  /** The run's inputs, for `${{ inputs.<name> }}`; set once when the run starts. */
  inputs: Annotation<Record<string, unknown>>({
    reducer: (_a, b) => b,
    default: () => ({}),
  }),
  /** Only on the argument a Send hands to `step`: which steps to run. Nothing writes it to the state. */
  stepIds: Annotation<string[]>({
    reducer: (_a, b) => b,
    default: () => [],
  }),
});
export type RunStateValue = typeof RunState.State;

/** What an approval interrupt carries; the engine matches resumes by stepId. */
export interface ApprovalInterrupt {
  kind: 'approval';
  stepId: string;
  message: string;
  expiresAt: string;
}

export interface CompileDeps {
  runId: string;
  store: RunStore;
  registry: TaskRegistry;
  scheduler: StepScheduler;
  inputs: Record<string, unknown>;
  base: Omit<StepEnv, 'scope' | 'upstream' | 'upstreamHashes' | 'runId' | 'prior'>;
  /**
   * Most steps handed to one superstep. LangGraph's cost per finished task grows with the number of
   * tasks in the superstep, so a 10,000-wide fan-out runs as batches of this many (default 256).
   */
  batch?: number;
  /**
   * Task steps run together in one graph task (default 16): LangGraph's fixed cost per task is then shared
   * by that many steps of a wide fan-out. Each step still records its own outcome; approvals always get a
   * task of their own (an interrupt pauses exactly one approval).
   */
  chunk?: number;
}

export function compilePlan(plan: Plan, deps: CompileDeps, checkpointer: BaseCheckpointSaver) {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const batch = deps.batch ?? 256;
  const chunk = Math.max(1, deps.chunk ?? 16);
  return new StateGraph(RunState)
    .addNode(
      'schedule',
      () => {
        const sends: Send[] = [];
        let group: string[] = [];
        for (const id of deps.scheduler.next(batch)) {
          if (byId.get(id)?.kind === 'approval') sends.push(new Send('step', { stepIds: [id] }));
          else if (group.push(id) === chunk) {
            sends.push(new Send('step', { stepIds: group }));
            group = [];
          }
        }
        if (group.length) sends.push(new Send('step', { stepIds: group }));
        return new Command({ goto: sends.length ? sends : END });
      },
      { ends: ['step', END] },
    )
    .addNode('step', async (arg: RunStateValue) => {
      // Back to the event loop between steps: lease renewals, cancel polls and timers run even when
      // every step is an in-process no-op.
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all(
        arg.stepIds.map(async (id) => {
          const step = byId.get(id);
          if (!step) throw new Error(`the scheduler handed over an unknown step "${id}"`);
          deps.scheduler.done(step.id, await runStep(step, byId, deps, plan));
        }),
      );
      return {};
    })
    .addEdge(START, 'schedule')
    .addEdge('step', 'schedule')
    .compile({ checkpointer });
}

export type CompiledRunGraph = ReturnType<typeof compilePlan>;

async function runStep(
  step: Step,
  byId: Map<string, Step>,
  deps: CompileDeps,
  plan: Plan,
): Promise<StepResult> {
  const { store, runId } = deps;
  // A step recorded as finished is not run again: its record outlived a checkpoint lost in a crash, or
  // LangGraph re-runs the unfinished tasks of a superstep a crash cut short.
  const recorded = store.getStep(runId, step.id);
  if (recorded && isTerminalStep(recorded.status) && recorded.status !== 'cancelled') {
    return {
      status: recorded.status as StepResult['status'],
      ...(recorded.output !== undefined ? { output: recorded.output } : {}),
      ...(recorded.reason ? { reason: recorded.reason } : {}),
    };
  }
  const reads = new Map<string, StepRecord | undefined>();
  const read = (id: string) => {
    if (!reads.has(id)) reads.set(id, store.getStep(runId, id));
    return reads.get(id);
  };
  const scope = stepScope(step, deps.inputs, read);
  if (step.when) {
    let ok: boolean;
    let reason = `condition is false: ${step.when}`;
    try {
      const expr = parseExpression(step.when);
      ok = Boolean(evaluate(expr, scope));
      if (!ok) reason = conditionReason(step.when, expr, scope);
    } catch (e) {
      ok = false;
      store.appendEvent({
        runId,
        stepId: step.id,
        type: 'step.log',
        data: { level: 'error', message: `condition failed to evaluate: ${(e as Error).message}` },
      });
    }
    if (!ok) {
      store.recordStep(
        runId,
        step.id,
        { status: 'skipped', reason, finishedAt: store.now() },
        { type: 'step.skipped', data: { reason } },
      );
      return { status: 'skipped', reason };
    }
  }

  if (step.kind === 'approval') {
    const evidence = (expiresAt: string) => evidenceFor(plan, step, deps, expiresAt);
    return approvalNode(step, deps, evidence);
  }

  const task = deps.registry.get(step.task);
  if (!task) {
    store.recordStep(
      runId,
      step.id,
      {
        status: 'failed',
        error: {
          code: 'TASK_NOT_FOUND',
          category: 'user',
          what: `Unknown task ${step.task}`,
          retryable: false,
        },
      },
      { type: 'step.failed', data: {} },
    );
    return { status: 'failed', reason: `unknown task ${step.task}` };
  }
  // Only direct dependencies feed the cache key; hashing every upstream output would cost O(steps²).
  const upstreamHashes: Record<string, string> = {};
  for (const d of step.dependsOn) upstreamHashes[d] = hashValue(read(d)?.output ?? null);
  const upstream = lazyUpstream(step.id, (id) => byId.get(id)?.dependsOn ?? [], store, runId);
  return runTaskStep(step, task, {
    ...deps.base,
    runId,
    scope,
    upstream,
    upstreamHashes,
    ...(recorded ? { prior: recorded } : {}),
  });
}

/**
 * Approval evidence (src/engine/approval-evidence.ts) over the run store: the outputs of the steps that
 * finished and a scope that reads them on demand. A failure to compute it is logged and never holds the
 * approval up.
 */
function evidenceFor(
  plan: Plan,
  step: ApprovalStep,
  deps: CompileDeps,
  expiresAt: string,
): ApprovalEvidence | undefined {
  try {
    return computeApprovalEvidence({
      plan,
      approval: step,
      outputs: recordedOutputs(deps.store, deps.runId),
      scope: lazyRunScope(deps.store, deps.runId, deps.inputs),
      store: deps.store,
      runId: deps.runId,
      expiresAt,
    });
  } catch (e) {
    deps.store.appendEvent({
      runId: deps.runId,
      stepId: step.id,
      type: 'step.log',
      data: { level: 'warn', message: `approval evidence could not be computed: ${(e as Error).message}` },
    });
    return undefined;
  }
}

async function approvalNode(
  step: ApprovalStep,
  deps: CompileDeps,
  evidenceAt: (expiresAt: string) => ApprovalEvidence | undefined,
): Promise<StepResult> {
  const { store, runId } = deps;
  let approval = store.getApproval(runId, step.id);
  if (!approval) {
    const expiresAt = new Date(
      Date.parse(store.now()) + (parseDuration(step.timeout) ?? 86_400_000),
    ).toISOString();
    const evidence = evidenceAt(expiresAt);
    store.atomically(() => {
      approval = store.requestApproval({
        runId,
        stepId: step.id,
        message: step.message,
        approvers: step.approvers,
        expiresAt,
        onTimeout: step.onTimeout,
        ...(evidence ? { evidence } : {}),
      });
      store.recordStep(
        runId,
        step.id,
        { status: 'waiting', startedAt: store.now() },
        {
          type: 'step.waiting',
          data: {
            message: step.message,
            expiresAt,
            approvers: step.approvers,
            onTimeout: step.onTimeout,
            ...(evidence ? { evidence: evidence.summary } : {}),
          },
        },
      );
    });
  }
  const current = approval as NonNullable<typeof approval>;
  // Decided already (e.g. a resume after the decision was recorded): no need to pause again.
  const raw =
    current.status === 'pending'
      ? interrupt<ApprovalInterrupt, unknown>({
          kind: 'approval',
          stepId: step.id,
          message: step.message,
          expiresAt: current.expiresAt,
        })
      : {
          approved: current.status === 'approved',
          by: current.decidedBy ?? 'unknown',
          comment: current.comment,
        };
  const decision = ApprovalDecision.parse(raw);
  const reason = decision.approved
    ? undefined
    : `by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`;
  // A rejection is recorded as such: what depends on it is skipped, and says why.
  store.recordStep(runId, step.id, {
    status: decision.approved ? 'succeeded' : 'rejected',
    finishedAt: store.now(),
    output: decision,
    ...(reason ? { reason } : {}),
  });
  return decision.approved
    ? { status: 'succeeded', output: decision }
    : { status: 'rejected', output: decision, reason: reason as string };
}
