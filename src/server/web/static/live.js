/**
 * One live feed for the whole page (GET /api/console/events, SSE): state changes of every run. Views
 * subscribe while they are shown and refresh what an event touches; EventSource reconnects by itself with
 * Last-Event-ID, so nothing is missed across a dropped connection.
 */
import { feedEvents, token } from './api.js';

const listeners = new Set();
let source;
let state = 'off';
const stateListeners = new Set();

function setState(s) {
  state = s;
  for (const fn of stateListeners) fn(s);
}

/** Opens the feed (once a token is saved); safe to call again. */
export function connect() {
  if (source || !token.get()) return;
  source = feedEvents();
  setState('connecting');
  source.addEventListener('open', () => setState('live'));
  source.addEventListener('error', () =>
    setState(source?.readyState === EventSource.CLOSED ? 'off' : 'reconnecting'),
  );
  source.addEventListener('change', (msg) => {
    let e;
    try {
      e = JSON.parse(msg.data);
    } catch {
      return;
    }
    for (const fn of listeners) fn(e);
  });
}

export function disconnect() {
  source?.close();
  source = undefined;
  setState('off');
}

/** Calls fn(event) for every change until the returned function is called. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Calls fn(state) now and whenever the connection state changes (live, reconnecting, off). */
export function watchState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}
