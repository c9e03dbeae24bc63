/**
 * `ask` questions answered from the run records, the registry and the lineage graph, with cited ids:
 *   "which runs failed this week and why"            → failed runs in the period, the failing step and error
 *   "why was the weather model not deployed"         → its runs' deploy steps: the gate and its values, the
 *                                                      rejection, the failure, or the pending approval
 *   "what changed between the last two versions of X" → algorithm, parameters, features, data, metrics, runs
 * Each returns the templated answer, its citations and one fact per line for a chat model to write from.
 */
import type { RunStore } from '../store/index.ts';
import {
  type FailedRun,
  failedRuns,
  knownModelNames,
  type ShipAttempt,
  shipAttempts,
  type VersionDiff,
  versionDiff,
} from './queries.ts';
import { timeWindow } from './time-window.ts';

export interface Citations {
  runs: string[];
  models: string[];
  datasets: string[];
  deployments: string[];
  approvals: string[];
}

export interface RecordsAnswer {
  answer: string;
  citations: Citations;
  evidence: unknown[];
  /** One line per piece of evidence, with its ids, for a chat model. */
  facts: string[];
}

export function emptyCitations(): Citations {
  return { runs: [], models: [], datasets: [], deployments: [], approvals: [] };
}

export function dedupe(c: Citations): Citations {
  return {
    runs: [...new Set(c.runs)],
    models: [...new Set(c.models)],
    datasets: [...new Set(c.datasets)],
    deployments: [...new Set(c.deployments)],
    approvals: [...new Set(c.approvals)],
  };
}

const FAILED_LIST =
  /\b(?:which|what|list|show|how many|any)\b[^?]*\bruns?\b[^?]*\bfail|\bfailed runs\b|\bfailures\b|\bruns? (?:that|which) failed\b/i;
const NOT_SHIPPED =
  /\bwhy\b[^?]*(?:\bnot\b|n't\b|\bnever\b)[^?]*\b(?:deploy\w*|promot\w*|ship\w*|register\w*|released?|in production|live)\b/i;
const VERSION_DIFF =
  /\b(?:chang\w*|differ\w*|diff)\b[^?]*\b(?:versions?|v\d+)\b|\bversions?\b[^?]*\b(?:chang\w*|differ\w*)\b/i;

export type RecordsQuestion = 'failed-runs' | 'not-shipped' | 'version-diff';

/** Which records question this is, if any. */
export function recordsQuestion(question: string): RecordsQuestion | undefined {
  if (VERSION_DIFF.test(question)) return 'version-diff';
  if (NOT_SHIPPED.test(question)) return 'not-shipped';
  if (FAILED_LIST.test(question)) return 'failed-runs';
  return undefined;
}

const STOP = new Set([
  'the',
  'model',
  'models',
  'why',
  'was',
  'not',
  'and',
  'for',
  'what',
  'which',
  'version',
  'versions',
  'last',
  'two',
  'between',
  'changed',
  'deployed',
  'did',
  'get',
  'its',
  'our',
]);

/**
 * The known model names a question refers to: the whole name ("cars-mpg"), or its parts ("the weather model"
 * → seattle-weather). The names with the most matching parts win; several can tie.
 */
export function modelsNamedIn(question: string, names: readonly string[]): string[] {
  const q = question.toLowerCase();
  const words = new Set(q.split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !STOP.has(w)));
  const whole = names.filter((n) =>
    new RegExp(`(^|[^a-z0-9-])${escapeRe(n.toLowerCase())}($|[^a-z0-9-])`).test(q),
  );
  if (whole.length) return whole;
  let best = 0;
  let out: string[] = [];
  for (const n of names) {
    const parts = n
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((p) => p.length >= 3);
    const score = parts.filter(
      (p) => words.has(p) || words.has(`${p}s`) || (p.endsWith('s') && words.has(p.slice(0, -1))),
    ).length;
    if (score > best) {
      best = score;
      out = [n];
    } else if (score === best && score > 0) out.push(n);
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- which runs failed ----------------------------------------------------------------------------

export function askFailedRuns(store: RunStore, question: string, now: Date): RecordsAnswer {
  const window = timeWindow(question, now);
  const runs = failedRuns(store, {
    ...(window ? { since: window.since, until: window.until } : {}),
    limit: 20,
  });
  const c = emptyCitations();
  const when = window ? window.label : 'recently';
  if (runs.length === 0) {
    const answer = `No run failed ${when}${window ? ` (since ${window.since})` : ''}.`;
    return { answer, citations: c, evidence: [], facts: [answer] };
  }
  c.runs.push(...runs.map((r) => r.runId));
  const byCode = new Map<string, FailedRun[]>();
  for (const r of runs) if (r.error) byCode.set(r.error.code, [...(byCode.get(r.error.code) ?? []), r]);
  const lines = runs.map((r) => failedLine(r));
  const repeated = [...byCode.entries()].filter(([, rs]) => rs.length > 1);
  const answer = [
    `${runs.length} run${runs.length === 1 ? '' : 's'} failed ${when}:`,
    ...lines.map((l) => `- ${l}`),
    ...repeated.map(
      ([code, rs]) =>
        `The same error (${code}) failed ${rs.length} runs: ${rs.map((r) => r.runId).join(', ')}.`,
    ),
  ].join('\n');
  return {
    answer,
    citations: dedupe(c),
    evidence: runs,
    facts: [`Runs that failed ${when}${window ? ` (since ${window.since})` : ''}: ${runs.length}.`, ...lines],
  };
}

function failedLine(r: FailedRun): string {
  const where = r.step ? `step ${r.step}${r.task ? ` (${r.task})` : ''}` : 'the run';
  const why = r.error ? `${r.error.what}${r.error.why ? `: ${r.error.why}` : ''}` : 'no error recorded';
  const fix = r.error?.fix ? ` Fix: ${r.error.fix}` : '';
  return `${r.runId} (${r.plan}, ${r.createdAt}, started by ${r.createdBy} via ${r.trigger}): ${where} failed — ${why}.${fix}`;
}

// ---- why was X not deployed -----------------------------------------------------------------------

export function askWhyNotShipped(store: RunStore, question: string): RecordsAnswer {
  const names = knownModelNames(store);
  const named = modelsNamedIn(question, names);
  const c = emptyCitations();
  if (named.length === 0) {
    const answer = `No model the question names is known. Models registered or named by past runs: ${names.join(', ') || 'none'}.`;
    return { answer, citations: c, evidence: [], facts: [answer] };
  }
  const parts: string[] = [];
  const facts: string[] = [];
  const evidence: ShipAttempt[] = [];
  for (const model of named) {
    const attempts = shipAttempts(store, [model], 5);
    evidence.push(...attempts);
    if (attempts.length === 0) {
      const line = `No run has registered or deployed ${model}.`;
      parts.push(line);
      facts.push(line);
      continue;
    }
    const [last, ...earlier] = attempts as [ShipAttempt, ...ShipAttempt[]];
    c.runs.push(last.runId);
    if (last.approval) c.approvals.push(last.approval.id);
    if (last.version !== undefined) c.models.push(`model:${model}@${last.version}`);
    const lead = attemptLine(last, true);
    const more = earlier.map((a) => attemptLine(a, false));
    for (const a of earlier) {
      c.runs.push(a.runId);
      if (a.approval) c.approvals.push(a.approval.id);
    }
    parts.push([lead, ...(more.length ? [`Earlier: ${more.join('; ')}.`] : [])].join(' '));
    facts.push(lead, ...more);
  }
  return { answer: parts.join('\n\n'), citations: dedupe(c), evidence, facts };
}

function attemptLine(a: ShipAttempt, first: boolean): string {
  const what = a.task === 'deploy.http' ? 'deployed' : 'registered';
  const head = first
    ? `The last run that would have ${what} ${a.model} is ${a.runId} (${a.plan}, ${a.createdAt}, ${a.runStatus}).`
    : `${a.runId} (${a.createdAt})`;
  const at = a.decidedAt && a.decidedAt !== a.step ? ` at step ${a.decidedAt}` : '';
  switch (a.outcome) {
    case 'deployed':
    case 'registered':
      return first ? `${head} It was ${a.detail}.` : `${head}: ${a.detail}`;
    case 'gated':
      return first
        ? `${head} Its ${a.step} step was skipped because the gate${at} was not met: ${a.detail}.`
        : `${head}: gate${at} not met (${a.detail})`;
    case 'rejected':
      return first
        ? `${head} It was not ${what}: ${a.detail}${a.approval ? ` (${a.approval.id})` : ''}.`
        : `${head}: ${a.detail}`;
    case 'failed':
      return first ? `${head} It never reached ${a.step}: ${a.detail}.` : `${head}: ${a.detail}`;
    case 'waiting':
      return first ? `${head} It is waiting: ${a.detail}.` : `${head}: waiting (${a.detail})`;
    default:
      return first ? `${head} ${a.detail}.` : `${head}: ${a.detail}`;
  }
}

// ---- what changed between versions ----------------------------------------------------------------

export function askVersionChanges(store: RunStore, question: string): RecordsAnswer {
  const names = knownModelNames(store);
  const [model, ...others] = modelsNamedIn(question, names);
  const c = emptyCitations();
  if (!model || others.length) {
    const answer = model
      ? `Which model: ${[model, ...others].join(' or ')}?`
      : `Which model? Registered models: ${names.join(', ') || 'none'}.`;
    return { answer, citations: c, evidence: [], facts: [answer] };
  }
  const versions = [...question.matchAll(/\bv(?:ersion)?\s?(\d+)\b/gi)].map((m) => Number(m[1]));
  let diff: VersionDiff;
  try {
    const [a, b] =
      versions.length >= 2 ? [Math.min(...versions), Math.max(...versions)] : [undefined, undefined];
    diff = versionDiff(store, model, a, b);
  } catch (e) {
    const answer = (e as Error).message;
    return { answer, citations: c, evidence: [], facts: [answer] };
  }
  c.models.push(`model:${model}@${diff.from.version}`, `model:${model}@${diff.to.version}`);
  for (const side of [diff.from, diff.to]) {
    if (side.runId) c.runs.push(side.runId);
    if (side.data) c.datasets.push(side.data.id);
  }
  const facts = versionFacts(diff);
  return { answer: facts.join('\n'), citations: dedupe(c), evidence: [diff], facts };
}

const show = (v: unknown) =>
  v === undefined || v === null
    ? 'none'
    : typeof v === 'number'
      ? String(Number(v.toFixed(4)))
      : typeof v === 'string'
        ? v
        : JSON.stringify(v);

function versionFacts(d: VersionDiff): string[] {
  const side = (s: VersionDiff['from']) =>
    `v${s.version} (model:${d.model}@${s.version}; ${s.algorithm ?? 'algorithm unknown'}; registered ${s.createdAt} by ${s.createdBy}${s.runId ? ` in ${s.runId}` : ''}${s.plan ? ` of ${s.plan}` : ''}${s.data ? `; trained on ${s.data.label} (${s.data.id})` : ''}${s.aliases.length ? `; now ${s.aliases.join(', ')}` : ''})`;
  const out = [`${d.model}: ${side(d.from)} → ${side(d.to)}.`];
  for (const ch of d.changes) out.push(`${ch.field}: ${show(ch.from)} → ${show(ch.to)}.`);
  if (d.params.length)
    out.push(`Parameters: ${d.params.map((p) => `${p.name} ${show(p.from)} → ${show(p.to)}`).join(', ')}.`);
  else out.push('Same parameters.');
  if (d.metrics.length)
    out.push(
      `Metrics at registration (each on its own validation rows): ${d.metrics
        .map(
          (m) =>
            `${m.metric} ${show(m.from)} → ${show(m.to)}${m.delta !== undefined ? ` (${m.delta >= 0 ? '+' : ''}${show(m.delta)})` : ''}`,
        )
        .join(', ')}.`,
    );
  const runs = d.runs;
  if (runs) {
    if (!runs.plan.same) {
      const parts = [
        runs.plan.stepsAdded.length ? `steps added: ${runs.plan.stepsAdded.join(', ')}` : '',
        runs.plan.stepsRemoved.length ? `steps removed: ${runs.plan.stepsRemoved.join(', ')}` : '',
        runs.plan.stepsChanged.length ? `steps changed: ${runs.plan.stepsChanged.join(', ')}` : '',
      ].filter(Boolean);
      out.push(`The training runs' plans differ${parts.length ? ` (${parts.join('; ')})` : ''}.`);
    }
    const inputs = runs.params.filter((p) => !/^(?:dataset|model|baseline)\b/.test(p.path)).slice(0, 8);
    if (inputs.length)
      out.push(
        `Step inputs that differ: ${inputs.map((p) => `${p.step}.${p.path} ${show(p.a)} → ${show(p.b)}`).join(', ')}.`,
      );
  }
  return out;
}
