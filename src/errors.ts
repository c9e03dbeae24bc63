/**
 * One error model for the whole project. People see { what, why, fix }; code checks `code`, never
 * `instanceof` across module boundaries (see isPipewrightError).
 */

export type ErrorCategory = 'user' | 'system' | 'third-party';

export interface ErrorInit {
  code: string;
  category: ErrorCategory;
  what: string;
  why?: string;
  fix?: string;
  retryable?: boolean;
  details?: unknown;
  cause?: unknown;
}

export class PipewrightError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly what: string;
  readonly why: string | undefined;
  readonly fix: string | undefined;
  readonly retryable: boolean;
  readonly details: unknown;
  readonly isPipewrightError = true;

  constructor(init: ErrorInit) {
    super([init.what, init.why].filter(Boolean).join(': '), { cause: init.cause });
    this.name = 'PipewrightError';
    this.code = init.code;
    this.category = init.category;
    this.what = init.what;
    this.why = init.why;
    this.fix = init.fix;
    // User mistakes (bad plans, bad input) never get better on retry.
    this.retryable = init.retryable ?? init.category !== 'user';
    this.details = init.details;
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

export interface SerializedError {
  code: string;
  category: ErrorCategory;
  what: string;
  why?: string;
  fix?: string;
  retryable: boolean;
  details?: unknown;
}

export function isPipewrightError(e: unknown): e is PipewrightError {
  return (
    typeof e === 'object' && e !== null && (e as { isPipewrightError?: unknown }).isPipewrightError === true
  );
}

export function userError(code: string, what: string, why?: string, fix?: string, details?: unknown) {
  return new PipewrightError({ code, category: 'user', what, why, fix, details, retryable: false });
}

export function systemError(code: string, what: string, why?: string, fix?: string, cause?: unknown) {
  return new PipewrightError({ code, category: 'system', what, why, fix, cause });
}

/** Turns anything thrown into the serialisable form stored in the run records. */
export function serializeError(e: unknown): SerializedError {
  if (isPipewrightError(e)) {
    const out: SerializedError = { code: e.code, category: e.category, what: e.what, retryable: e.retryable };
    if (e.why) out.why = e.why;
    if (e.fix) out.fix = e.fix;
    if (e.details !== undefined) out.details = e.details;
    return out;
  }
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return {
      code: typeof code === 'string' ? code : 'INTERNAL',
      category: 'system',
      what: e.message || e.name,
      retryable: true,
    };
  }
  return { code: 'INTERNAL', category: 'system', what: String(e), retryable: true };
}

/** Formats an error for a person: what happened, why, how to fix it. No stack for user mistakes. */
export function formatError(e: unknown, opts: { stack?: boolean } = {}): string {
  const s = serializeError(e);
  const lines = [`error[${s.code}]: ${s.what}`];
  if (s.why) lines.push(`  why: ${s.why}`);
  if (s.fix) lines.push(`  fix: ${s.fix}`);
  if (Array.isArray((s.details as { problems?: unknown })?.problems)) {
    for (const p of (s.details as { problems: { path: string; message: string }[] }).problems) {
      lines.push(`  - ${p.path ? `${p.path}: ` : ''}${p.message}`);
    }
  }
  if (opts.stack && s.category !== 'user' && e instanceof Error && e.stack) lines.push(e.stack);
  return lines.join('\n');
}
