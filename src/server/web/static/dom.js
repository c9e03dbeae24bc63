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

/** A number for people: integers as they are, others with 3 significant digits. */
export function fmt(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return String(x ?? '');
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1000 || a < 0.001 ? x.toExponential(2) : x.toPrecision(3);
}

/** "2 s", "1 min 5 s" between two ISO times (or until now). */
export function duration(from, to) {
  if (!from) return '';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const sec = Math.round(ms / 100) / 10;
  if (sec < 60) return `${sec} s`;
  return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
}
