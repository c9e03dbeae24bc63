/**
 * The REST API as the page uses it: the token from localStorage as a bearer header, JSON in and out, and
 * errors turned into ApiError with the server's {what, why, fix, problems}.
 */

const TOKEN_KEY = 'pipewright.token';

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (t) => localStorage.setItem(TOKEN_KEY, t.trim()),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    const e = body?.error ?? {};
    super(e.what ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = e.code ?? 'HTTP_ERROR';
    this.why = e.why;
    this.fix = e.fix;
    this.problems = Array.isArray(e.problems) ? e.problems : [];
  }
}

/** Calls the API; resolves with the JSON body, rejects with ApiError. */
export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${token.get()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Live events of a run: EventSource cannot send headers, so the token goes in the query. */
export function runEvents(runId) {
  const q = new URLSearchParams({ access_token: token.get() });
  return new EventSource(`/api/runs/${encodeURIComponent(runId)}/events?${q}`);
}

/** The console's live feed of state changes across runs (same token-in-query rule). */
export function feedEvents() {
  const q = new URLSearchParams({ access_token: token.get() });
  return new EventSource(`/api/console/events?${q}`);
}

/** A page that opens in a new tab (the HTML drift report): links cannot send headers either. */
export function withToken(path) {
  const q = new URLSearchParams({ access_token: token.get() });
  return `${path}${path.includes('?') ? '&' : '?'}${q}`;
}

/** Fetches a file with the token and saves it under the server's name for it (else `name`). */
export async function download(path, name) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token.get()}` } });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
  const given = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = given ?? name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;

/**
 * POSTs and reads a server-sent event stream (EventSource cannot POST): calls onEvent(type, data) for each
 * event as it arrives; resolves when the stream ends. A refusal before the stream (400, 401, 403) rejects
 * with ApiError.
 */
export async function apiStream(path, body, onEvent) {
  const res = await fetch(path, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token.get()}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok || !res.body) throw new ApiError(res.status, await res.json().catch(() => ({})));
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  const dispatch = (block) => {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    let parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      parsed = data.join('\n');
    }
    onEvent(type, parsed);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf = (buf + value).replace(/\r\n?/g, '\n');
    let end = buf.indexOf('\n\n');
    while (end >= 0) {
      dispatch(buf.slice(0, end));
      buf = buf.slice(end + 2);
      end = buf.indexOf('\n\n');
    }
  }
  if (buf.trim()) dispatch(buf);
}
