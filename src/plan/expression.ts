/**
 * The small, side-effect-free expression language of `when:` conditions and `${{ }}` templates.
 *
 *   steps.evaluate.outputs.metrics.accuracy >= 0.9 && steps.check.outputs.approved
 *
 * Hand-written rather than a library (jexl, filtrex) because the validator must read the AST to check
 * every reference against the plan before anything runs. Nothing here can call a function or touch state.
 */

export type Expr =
  | { type: 'lit'; value: string | number | boolean | null }
  | { type: 'ref'; path: string[] }
  | { type: 'unary'; op: '!' | '-'; arg: Expr }
  | { type: 'binary'; op: BinaryOp; left: Expr; right: Expr };

type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/';

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

type Token = {
  kind: 'num' | 'str' | 'id' | 'op' | 'end';
  text: string;
  pos: number;
  value?: string | number;
};

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '+', '-', '*', '/', '.', '[', ']'];
const WORD_OPS: Record<string, string> = { and: '&&', or: '||', not: '!' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ kind: 'num', text, pos: start, value: Number(text) });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        value += src[j];
        j++;
      }
      if (j >= src.length) throw new ExpressionError('unterminated string', start);
      out.push({ kind: 'str', text: src.slice(i, j + 1), pos: start, value });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      const op = Object.hasOwn(WORD_OPS, text) ? WORD_OPS[text] : undefined;
      out.push(op ? { kind: 'op', text: op, pos: start } : { kind: 'id', text, pos: start });
      i += text.length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character "${c}"`, start);
    out.push({ kind: 'op', text: op, pos: start });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}

const PRECEDENCE: [BinaryOp[], number][] = [
  [['||'], 1],
  [['&&'], 2],
  [['==', '!='], 3],
  [['<', '<=', '>', '>='], 4],
  [['+', '-'], 5],
  [['*', '/'], 6],
];

function precedenceOf(op: string): number {
  for (const [ops, p] of PRECEDENCE) if ((ops as string[]).includes(op)) return p;
  return 0;
}

export function parseExpression(src: string): Expr {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos] as Token;
  const next = () => tokens[pos++] as Token;
  const expect = (text: string) => {
    const t = next();
    if (t.text !== text)
      throw new ExpressionError(`expected "${text}" but found "${t.text || 'end'}"`, t.pos);
  };

  const primary = (): Expr => {
    const t = next();
    if (t.kind === 'num' || t.kind === 'str') return { type: 'lit', value: t.value as string | number };
    if (t.kind === 'op' && t.text === '(') {
      const e = binary(0);
      expect(')');
      return e;
    }
    if (t.kind === 'op' && (t.text === '!' || t.text === '-'))
      return { type: 'unary', op: t.text, arg: primary() };
    if (t.kind === 'id') {
      if (t.text === 'true' || t.text === 'false') return { type: 'lit', value: t.text === 'true' };
      if (t.text === 'null') return { type: 'lit', value: null };
      const path = [t.text];
      for (;;) {
        if (peek().text === '.') {
          next();
          const seg = next();
          if (seg.kind !== 'id' && seg.kind !== 'num')
            throw new ExpressionError(`expected a name after "." but found "${seg.text || 'end'}"`, seg.pos);
          path.push(seg.text);
        } else if (peek().text === '[') {
          next();
          const seg = next();
          if (seg.kind !== 'num' && seg.kind !== 'str')
            throw new ExpressionError('expected a number or string inside [ ]', seg.pos);
          path.push(String(seg.value));
          expect(']');
        } else break;
      }
      return { type: 'ref', path };
    }
    throw new ExpressionError(`unexpected "${t.text || 'end of expression'}"`, t.pos);
  };

  const binary = (minPrec: number): Expr => {
    let left = primary();
    for (;;) {
      const t = peek();
      const prec = t.kind === 'op' ? precedenceOf(t.text) : 0;
      if (prec === 0 || prec <= minPrec) break;
      next();
      const right = binary(prec);
      left = { type: 'binary', op: t.text as BinaryOp, left, right };
    }
    return left;
  };

  const expr = binary(0);
  const end = peek();
  if (end.kind !== 'end') throw new ExpressionError(`unexpected "${end.text}"`, end.pos);
  return expr;
}

/** Every reference path in an expression, for static checks. */
export function collectRefs(expr: Expr, out: string[][] = []): string[][] {
  if (expr.type === 'ref') out.push(expr.path);
  else if (expr.type === 'unary') collectRefs(expr.arg, out);
  else if (expr.type === 'binary') {
    collectRefs(expr.left, out);
    collectRefs(expr.right, out);
  }
  return out;
}

export type Scope = Record<string, unknown>;

function lookup(scope: Scope, path: string[]): unknown {
  let cur: unknown = scope;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

export function evaluate(expr: Expr, scope: Scope): unknown {
  switch (expr.type) {
    case 'lit':
      return expr.value;
    case 'ref':
      return lookup(scope, expr.path);
    case 'unary': {
      const v = evaluate(expr.arg, scope);
      return expr.op === '!' ? !v : -Number(v);
    }
    case 'binary': {
      if (expr.op === '&&') return evaluate(expr.left, scope) && evaluate(expr.right, scope);
      if (expr.op === '||') return evaluate(expr.left, scope) || evaluate(expr.right, scope);
      const l = evaluate(expr.left, scope) as number;
      const r = evaluate(expr.right, scope) as number;
      switch (expr.op) {
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return l / r;
      }
    }
  }
}

const TEMPLATE = /\$\{\{\s*([\s\S]*?)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\$\{\{\s*([\s\S]*?)\s*\}\}$/;

/** The expressions inside `${{ }}` templates of a string. */
export function templateExpressions(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => m[1] as string);
}

export function isWholeTemplate(text: string): boolean {
  return WHOLE_TEMPLATE.test(text) && templateExpressions(text).length === 1;
}

/** Resolves templates: a value that is exactly one template keeps its type; others are interpolated. */
export function renderTemplates(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${{')) return value;
    const whole = WHOLE_TEMPLATE.exec(value);
    if (whole && isWholeTemplate(value)) return evaluate(parseExpression(whole[1] as string), scope);
    return value.replace(TEMPLATE, (_, src: string) => {
      const v = evaluate(parseExpression(src), scope);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => renderTemplates(v, scope));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTemplates(v, scope)]));
  }
  return value;
}
