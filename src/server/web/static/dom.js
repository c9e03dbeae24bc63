/**
 * Building DOM from nodes, never from markup strings: strings always become text nodes or attribute values,
 * so data from the API can never turn into markup. Event handlers are functions, never attributes.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Appends children: strings and numbers as text nodes, nodes as they are, arrays flattened, null skipped. */
function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else if (c instanceof Node) parent.appendChild(c);
    else parent.appendChild(document.createTextNode(String(c)));
  }
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k.startsWith('on')) throw new Error(`refusing a non-function handler attribute: ${k}`);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** An HTML element: h('td', { class: 'x' }, 'text', child). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element, same rules as h(). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Appends children by the same rules as h() (null and false are skipped, never written as text). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
};

const plain = new Intl.NumberFormat('en', { maximumSignificantDigits: 4 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 });

/**
 * A number for people, never in scientific notation: integers as they are (with separators), others with
 * four significant digits (0.08148, 4,250, 0.00001234); a billion and more compact (1.2B).
 */
export function fmt(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return String(x ?? '');
  if (Math.abs(x) >= 1e9) return compact.format(x);
  if (Number.isInteger(x)) return x.toLocaleString('en');
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toFixed(Math.min(20, 3 - Math.floor(Math.log10(Math.abs(x)))));
  return plain.format(x);
}

/** A share (0..1) as a percentage: 0.4 → "40%". */
export const pct = (x) => (typeof x === 'number' ? `${fmt(Math.round(x * 1000) / 10)}%` : '');

/** Milliseconds for people: "850 ms", "4.2 s", "3 min 5 s", "2 h 4 min". */
export function ms(n) {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${Math.round(n)} ms`;
  const sec = n / 1000;
  if (sec < 60) return `${Math.round(sec * 10) / 10} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
  return `${Math.floor(sec / 3600)} h ${Math.round((sec % 3600) / 60)} min`;
}

/** "4.2 s", "1 min 5 s" between two ISO times (or until now). */
export function duration(from, to) {
  if (!from) return '';
  const n = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  return ms(n);
}

/** A time in the reader's zone: "2 Dec 2026, 11:20:05". */
export function when(iso, opts = {}) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(opts.seconds === false ? {} : { second: '2-digit' }),
    ...(opts.timeZone ? { timeZone: opts.timeZone, timeZoneName: 'short' } : {}),
  });
}

/** "3 min ago", "in 5 h". */
export function ago(iso, now = Date.now()) {
  const t = Date.parse(iso ?? '');
  if (!Number.isFinite(t)) return '';
  const d = t - now;
  const a = Math.abs(d);
  const unit =
    a < 60_000
      ? [Math.round(a / 1000), 's']
      : a < 3_600_000
        ? [Math.round(a / 60_000), 'min']
        : a < 86_400_000
          ? [Math.round(a / 3_600_000), 'h']
          : [Math.round(a / 86_400_000), 'd'];
  return d < 0 ? `${unit[0]} ${unit[1]} ago` : `in ${unit[0]} ${unit[1]}`;
}

/** A <time> element with the full time as its title. */
export function timeEl(iso, text) {
  return h('time', { datetime: iso, title: when(iso) }, text ?? when(iso));
}
