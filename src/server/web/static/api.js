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
