/**
 * Checks live answers against the server's own OpenAPI document with a JSON Schema validator (Ajv,
 * draft 2020-12, as OpenAPI 3.1 uses): the status must be documented for that operation, the content type
 * must be one it declares, and the body (each event's data for a stream) must fit the declared schema,
 * errors included (each error status lists the codes the route may answer). Records which operations were
 * called, so a test can assert that every documented route was.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is read as plain JSON
type Json = Record<string, any>;

// ajv-formats is CommonJS: its default export is the function under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** What check() reads of a fetch Response (global fetch's or undici's). */
export interface HttpResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface Answer {
  status: number;
  headers: HttpResponse['headers'];
  /** Parsed JSON, the events of a stream, or the text. */
  body: unknown;
  text: string;
}

/** One server-sent event. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: unknown;
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.split('\n').some((l) => l.startsWith('data:')))
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .filter((l) => l.startsWith(`${name}:`))
          .map((l) => l.slice(name.length + 1).trim())
          .join('\n');
      return {
        ...(field('id') ? { id: field('id') } : {}),
        ...(field('event') ? { event: field('event') } : {}),
        data: JSON.parse(field('data')) as unknown,
      };
    });
}

/** Polls an async check until it gives a value other than undefined or false; throws after timeoutMs. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'a condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pointer = (...parts: string[]) =>
  parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export class ContractChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  /** "get /api/runs/{id}" → statuses seen. */
  readonly seen = new Map<string, Set<number>>();

  constructor(readonly doc: Json) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'openapi.json');
  }

  /** Every documented operation, as "method /path/{param}". */
  operations(): string[] {
    return Object.entries(this.doc.paths as Json).flatMap(([p, ops]) =>
      Object.keys(ops as Json).map((m) => `${m} ${p}`),
    );
  }

  private validator(ref: string): ValidateFunction {
    let v = this.validators.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: `openapi.json#/${ref}` });
      this.validators.set(ref, v);
    }
    return v;
  }

  /**
   * Reads the answer and checks it against the document's operation `method template`; throws with what
   * does not fit. Returns the parsed answer.
   */
  async check(method: string, template: string, res: HttpResponse): Promise<Answer> {
    const m = method.toLowerCase();
    const op = this.doc.paths?.[template]?.[m] as Json | undefined;
    if (!op) throw new Error(`${m} ${template} is not in the document`);
    const text = await res.text();
    const where = `${method.toUpperCase()} ${template} → ${res.status}`;
    const declared = op.responses?.[String(res.status)] as Json | undefined;
    if (!declared) {
      throw new Error(
        `${where}: status not documented (documented: ${Object.keys(op.responses).join(', ')})\n${text}`,
      );
    }
    const key = `${m} ${template}`;
    this.seen.set(key, new Set([...(this.seen.get(key) ?? []), res.status]));
    for (const h of Object.keys((declared.headers ?? {}) as Json)) {
      if (!res.headers.get(h)) throw new Error(`${where}: documented header ${h} missing`);
    }
    const content = (declared.content ?? {}) as Json;
    const types = Object.keys(content);
    if (types.length === 0) {
      if (text !== '')
        throw new Error(`${where}: documented without a body, got ${JSON.stringify(text.slice(0, 200))}`);
      return { status: res.status, headers: res.headers, body: undefined, text };
    }
    const got = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const type = types.find((t) => t === got || t === '*/*');
    if (!type) throw new Error(`${where}: content type "${got}" not documented (${types.join(', ')})`);
    const hasSchema = Object.keys((content[type]?.schema ?? {}) as Json).length > 0;
    let body: unknown = text;
    const values: unknown[] = [];
    if (type === 'application/json') {
      body = JSON.parse(text) as unknown;
      values.push(body);
    } else if (type === 'text/event-stream') {
      const events = parseSse(text);
      body = events;
      values.push(...events.map((e) => e.data));
    }
    if (hasSchema) {
      const validate = this.validator(
        pointer('paths', template, m, 'responses', String(res.status), 'content', type, 'schema'),
      );
      for (const v of values) {
        if (!validate(v)) {
          throw new Error(
            `${where}: the body does not fit the document:\n${this.ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(v).slice(0, 2000)}`,
          );
        }
      }
    }
    return { status: res.status, headers: res.headers, body, text };
  }
}
