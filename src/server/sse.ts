/**
 * Server-sent events of one run: every event in seq order (the SSE id is the event's seq, so a client
 * resumes with Last-Event-ID), live as they happen, ending when the run finishes or waits for a decision.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { type RunEvent, type RunStore, TERMINAL_RUN_STATUSES } from '../store/index.ts';

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
