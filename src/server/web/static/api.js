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
