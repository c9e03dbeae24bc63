/**
 * A plan compiled to a LangGraph StateGraph: one node per step, edges from dependsOn (a join waits for
 * all its dependencies), approvals as interrupt(), step results in checkpointed graph state.
 */
import {
  Annotation,
  type BaseCheckpointSaver,
  END,
  interrupt,
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
import type { RunStore } from '../store/index.ts';
import type { TaskRegistry } from '../tasks/index.ts';
import { type ApprovalEvidence, computeApprovalEvidence } from './approval-evidence.ts';
import { conditionReason } from './condition-explain.ts';
import { hashValue, runTaskStep, type StepEnv, type StepResult } from './step-runner.ts';

export const RunState = Annotation.Root({
  results: Annotation<Record<string, StepResult>>({
    reducer: (a, b) => ({ ...a, ...b }),
    default: () => ({}),
  }),
  inputs: Annotation<Record<string, unknown>>({
    reducer: (_a, b) => b,
    default: () => ({}),
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
  base: Omit<StepEnv, 'scope' | 'upstream' | 'upstreamHashes' | 'runId'>;
}

export const nodeName = (stepId: string) => `step__${stepId}`;

export function compilePlan(plan: Plan, deps: CompileDeps, checkpointer: BaseCheckpointSaver) {
  // Node names are only known at run time, so the builder is typed loosely here and nowhere else.
  const graph = new StateGraph(RunState) as unknown as LooseGraph;
  const hasDependents = new Set(plan.steps.flatMap((s) => s.dependsOn));
  for (const step of plan.steps)
    graph.addNode(nodeName(step.id), (state: RunStateValue) => runNode(step, state, deps, plan));
  for (const step of plan.steps) {
    const name = nodeName(step.id);
    if (step.dependsOn.length === 0) graph.addEdge(START, name);
    else if (step.dependsOn.length === 1) graph.addEdge(nodeName(step.dependsOn[0] as string), name);
    else graph.addEdge(step.dependsOn.map(nodeName), name);
    if (!hasDependents.has(step.id)) graph.addEdge(name, END);
  }
  return graph.compile({ checkpointer }) as unknown as CompiledRunGraph;
}

interface LooseGraph {
  addNode(name: string, fn: (state: RunStateValue) => Promise<Partial<RunStateValue>>): LooseGraph;
  addEdge(from: string | string[], to: string): LooseGraph;
  compile(opts: { checkpointer: BaseCheckpointSaver }): unknown;
}

export interface CompiledRunGraph {
  stream(input: unknown, config: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
  getState(config: Record<string, unknown>): Promise<{
    values: RunStateValue;
    next: string[];
    tasks: { name: string; interrupts: { id?: string; value?: unknown }[] }[];
  }>;
}

async function runNode(
  step: Step,
  state: RunStateValue,
  deps: CompileDeps,
  plan: Plan,
): Promise<Partial<RunStateValue>> {
  const { store, runId } = deps;
  const done = (r: StepResult) => ({ results: { [step.id]: r } });

  // Recovery: the step finished and was recorded, but the process died before LangGraph checkpointed it.
  const recorded = store.getStep(runId, step.id);
  if (
    recorded &&
    (recorded.status === 'succeeded' || recorded.status === 'skipped') &&
    step.kind === 'task'
  ) {
    return done({
      status: recorded.status,
      output: recorded.output,
      ...(recorded.reason ? { reason: recorded.reason } : {}),
    });
  }

  for (const d of step.dependsOn) {
    const r = state.results[d];
    if (r?.status !== 'succeeded') {
      const reason =
        r?.status === 'rejected'
          ? `approval "${d}" was rejected${r.reason ? ` (${r.reason})` : ''}`
          : `upstream step "${d}" ${r?.status ?? 'did not run'}`;
      return skip(step, reason, deps, r?.status === 'cancelled' ? 'cancelled' : 'skipped');
    }
  }
  const scope = buildScope(state);
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
    if (!ok) return skip(step, reason, deps, 'skipped');
  }

  if (step.kind === 'approval') {
    const evidence = (expiresAt: string) => evidenceFor(plan, step, state, scope, deps, expiresAt);
    return done(await approvalNode(step, deps, evidence));
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
    return done({ status: 'failed', reason: `unknown task ${step.task}` });
  }
  const upstream: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(state.results)) upstream[id] = r.output;
  // Only direct dependencies feed the cache key; hashing every upstream output would cost O(steps²).
  const upstreamHashes: Record<string, string> = {};
  for (const d of step.dependsOn) upstreamHashes[d] = hashValue(state.results[d]?.output ?? null);
  return done(await runTaskStep(step, task, { ...deps.base, runId, scope, upstream, upstreamHashes }));
}

function buildScope(state: RunStateValue): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(state.results))
    steps[id] = { outputs: r.output ?? {}, status: r.status };
  return { steps, inputs: state.inputs };
}

function skip(step: Step, reason: string, deps: CompileDeps, status: 'skipped' | 'cancelled') {
  deps.store.recordStep(
    deps.runId,
    step.id,
    { status, reason, finishedAt: deps.store.now() },
    status === 'skipped' ? { type: 'step.skipped', data: { reason } } : undefined,
  );
  return { results: { [step.id]: { status, reason } } };
}

/** Approval evidence; a failure to compute it is logged and never holds the approval up. */
function evidenceFor(
  plan: Plan,
  step: ApprovalStep,
  state: RunStateValue,
  scope: Record<string, unknown>,
  deps: CompileDeps,
  expiresAt: string,
): ApprovalEvidence | undefined {
  const outputs: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(state.results)) outputs[id] = r.output;
  try {
    return computeApprovalEvidence({
      plan,
      approval: step,
      outputs,
      scope,
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
  store.recordStep(runId, step.id, { status: 'succeeded', finishedAt: store.now(), output: decision });
  return decision.approved
    ? { status: 'succeeded', output: decision }
    : {
        status: 'rejected',
        output: decision,
        reason: `by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`,
      };
}
