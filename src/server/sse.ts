/**
 * Server-sent events of one run: every event in seq order (the SSE id is the event's seq, so a client
 * resumes with Last-Event-ID), live as they happen, ending when the run finishes or waits for a decision.
 */

import { MemorySaver } from '@langchain/langgraph';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import {
  createPlannerGraph,
  type DatasetDescription,
  type PlannerDeps,
  type PlannerResult,
} from '../../agents/planner/index.ts';
import { type RunEvent, type RunStore, TERMINAL_RUN_STATUSES } from '../store/index.ts';
import { errorJson } from './http-errors.ts';

const ENDS = new Set(['run.succeeded', 'run.failed', 'run.cancelled', 'run.waiting']);

export interface RunStreamOptions {
  /** How often to look for events written by other processes (default 1000 ms). */
  pollMs?: number;
  /** Comment line sent to keep proxies from closing an idle stream (default 15 s). */
  keepAliveMs?: number;
}

export function streamRunEvents(c: Context, store: RunStore, runId: string, opts: RunStreamOptions = {}) {
  const header = c.req.header('last-event-id') ?? c.req.query('after');
  const start = header && /^\d+$/.test(header) ? Number(header) : 0;
  const pollMs = opts.pollMs ?? 1000;
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  return streamSSE(c, async (stream) => {
    let last = start;
    let wake: (() => void) | undefined;
    const unsubscribe = store.subscribe((e) => {
      if (e.runId === runId) wake?.();
    });
    let closed = false;
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    const send = async (events: RunEvent[]): Promise<boolean> => {
      let ended = false;
      for (const e of events) {
        await stream.writeSSE({ id: String(e.seq), event: e.type, data: JSON.stringify(e) });
        last = e.seq;
        if (ENDS.has(e.type)) ended = true;
      }
      return ended;
    };
    const settled = () => {
      const s = store.getRun(runId)?.status;
      return s === undefined || s === 'waiting' || TERMINAL_RUN_STATUSES.includes(s);
    };
    try {
      // The backlog first; a run that already finished or waits ends the stream after it.
      await send(store.events(runId, { afterSeq: last }));
      if (settled()) {
        await send(store.events(runId, { afterSeq: last }));
        return;
      }
      let idleMs = 0;
      while (!closed) {
        const waited = await new Promise<number>((resolve) => {
          const began = Date.now();
          const timer = setTimeout(() => resolve(Date.now() - began), pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve(Date.now() - began);
          };
        });
        wake = undefined;
        if (closed) break;
        const events = store.events(runId, { afterSeq: last });
        if (events.length === 0) {
          idleMs += waited;
          if (idleMs >= keepAliveMs) {
            await stream.write(': keep-alive\n\n');
            idleMs = 0;
          }
          if (settled()) {
            await send(store.events(runId, { afterSeq: last }));
            break;
          }
          continue;
        }
        idleMs = 0;
        if (await send(events)) break;
      }
    } finally {
      unsubscribe();
    }
  });
}

// ---- planner progress ----------------------------------------------------------------------------------

/** Called with one human-readable line each time the planner moves on a stage. */
export type PlanProgress = (line: string) => void;

/** A planner that reports its stages as it goes. */
export type ProgressPlanner = (goal: string, onProgress: PlanProgress) => Promise<PlannerResult>;

interface NodeUpdate {
  spec?: { sources?: { kind: string; path?: string }[] };
  data?: DatasetDescription;
  second?: DatasetDescription;
  attempts?: number;
  problems?: unknown[];
  plan?: unknown;
  result?: PlannerResult;
}

const described = (d: DatasetDescription) =>
  `reading ${d.path}: ${d.rows} row${d.rows === 1 ? '' : 's'}, ${d.columns.length} column${d.columns.length === 1 ? '' : 's'}`;

/** The progress lines for one node's update (graph.stream with streamMode 'updates'). */
export function progressLines(node: string, u: NodeUpdate | undefined): string[] {
  if (!u) return [];
  switch (node) {
    case 'understand':
      if (u.result) return [];
      return [
        (u.spec?.sources ?? []).some((s) => s.path)
          ? `understood the goal; data: ${(u.spec?.sources ?? [])
              .flatMap((s) => (s.path ? [s.path] : []))
              .join(', ')}`
          : 'understood the goal',
      ];
    case 'gather':
      return [u.data, u.second].flatMap((d) => (d ? [described(d)] : []));
    case 'draft':
      if (u.result) return [];
      return (u.attempts ?? 1) > 1 ? [`repair round ${(u.attempts ?? 1) - 1}: drafting`] : ['drafting'];
    case 'validate': {
      const n = u.problems?.length ?? 0;
      return u.plan ? ['validating: the plan is valid'] : [`validating: ${n} problem${n === 1 ? '' : 's'}`];
    }
    case 'review':
      return ['reviewing'];
    default:
      return [];
  }
}

/** planGoal with progress: the same graph (review off), streamed node by node. */
export async function planGoalWithProgress(
  goal: string,
  deps: Omit<PlannerDeps, 'review'>,
  onProgress: PlanProgress,
): Promise<PlannerResult> {
  const graph = createPlannerGraph({ ...deps, review: false }, { checkpointer: new MemorySaver() });
  onProgress('understanding the goal');
  let result: PlannerResult | undefined;
  const stream = await graph.stream({ goal }, { configurable: { thread_id: 'plan' }, streamMode: 'updates' });
  for await (const chunk of stream as AsyncIterable<Record<string, NodeUpdate>>) {
    for (const [node, update] of Object.entries(chunk)) {
      for (const line of progressLines(node, update)) onProgress(line);
      if (update?.result) result = update.result;
    }
  }
  if (!result) throw new Error('the planner graph ended without a result');
  return result;
}

/**
 * POST /api/plans/stream: `progress` events ({message}) while the planner works, then one `plan`
 * ({plan, notes}), `clarify` ({clarify}), `refused` ({refused}) or `error` ({error}) event, then the end.
 */
export function streamPlan(c: Context, goal: string, planner: ProgressPlanner) {
  return streamSSE(c, async (stream) => {
    let seq = 0;
    let chain = Promise.resolve();
    const write = (event: string, data: unknown) => {
      const id = String(++seq);
      chain = chain.then(() => stream.writeSSE({ id, event, data: JSON.stringify(data) }));
      return chain;
    };
    try {
      const result = await planner(goal, (message) => void write('progress', { message }));
      if (result.kind === 'clarify') await write('clarify', { clarify: result.question });
      else if (result.kind === 'refuse') await write('refused', { refused: result.reason });
      else await write('plan', { plan: result.plan, notes: result.notes });
    } catch (e) {
      await write('error', errorJson(e).body);
    }
  });
}
