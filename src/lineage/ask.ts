/**
 * `pipewright ask`: structural questions ("what is in production", "which data trained it, who approved it")
 * are answered from the lineage graph; fuzzy ones ("why did last night's run fail, has that happened
 * before?") from run memory. Without an LLM the answer is a template over ranked evidence, with cited ids.
 */
import type { Config } from '../config.ts';
import type { RunStore } from '../store/index.ts';
import { cosine, type Embedder } from './embeddings.ts';
import { type MemoryHit, searchMemory } from './memory.ts';
import { lineageOf, type ProductionEntry, whatIsInProduction } from './queries.ts';

export interface Citations {
  runs: string[];
  models: string[];
  datasets: string[];
  deployments: string[];
  approvals: string[];
}

export interface AskAnswer {
  question: string;
  source: 'lineage' | 'memory';
  answer: string;
  citations: Citations;
  evidence: unknown[];
}

const STRUCTURAL = /\b(production|prod|deployed|deployment|serving|live)\b/i;
const LINEAGE = /\b(upstream|downstream|lineage|came from|comes from|derived)\b/i;
const FAILURE = /\b(fail\w*|error\w*|broke\w*|crash\w*|exception)\b/i;
const RECENT = /\b(last|latest|recent\w*|yesterday|tonight|today|night)\b/i;
const ENTITY_TOKEN =
  /\b((?:run|dep)-[\w-]+|(?:dataset|model|deployment|plan|run|step|approval|alert):[\w@./-]+)/;

export async function ask(
  store: RunStore,
  config: Config,
  question: string,
  opts: { limit?: number; embedder?: Embedder } = {},
): Promise<AskAnswer> {
  if (LINEAGE.test(question)) {
    const token = ENTITY_TOKEN.exec(question)?.[1];
    if (token) return askLineage(store, question, token);
  }
  if (STRUCTURAL.test(question)) return askProduction(store, question);
  return askMemory(config, question, opts);
}

function emptyCitations(): Citations {
  return { runs: [], models: [], datasets: [], deployments: [], approvals: [] };
}

function askProduction(store: RunStore, question: string): AskAnswer {
  const entries = whatIsInProduction(store);
  const c = emptyCitations();
  if (entries.length === 0) {
    return {
      question,
      source: 'lineage',
      answer:
        'Nothing is in production: no model has a production alias. Deploy one with a deploy.http step.',
      citations: c,
      evidence: [],
    };
  }
  const parts = entries.map((e) => describeProduction(e, c));
  return { question, source: 'lineage', answer: parts.join('\n\n'), citations: dedupe(c), evidence: entries };
}

function describeProduction(e: ProductionEntry, c: Citations): string {
  const lines: string[] = [];
  const mv = e.modelVersion;
  if (mv) c.models.push(mv.id);
  c.models.push(`model:${e.model}@${e.version}`);
  lines.push(
    `In production: model ${e.model} v${e.version}${mv ? ` (${mv.id})` : ''}` +
      (e.deploymentId ? `, deployment ${e.deploymentId}` : '') +
      (e.deployedAt ? ` since ${e.deployedAt}` : '') +
      (e.deployedBy ? ` by ${e.deployedBy}` : '') +
      '.',
  );
  if (e.deploymentId) c.deployments.push(e.deploymentId);
  if (e.trainingData.length) {
    lines.push(`Trained on ${e.trainingData.map((d) => `${d.label} (${d.id})`).join(', ')}.`);
    c.datasets.push(...e.trainingData.map((d) => d.id));
  } else lines.push('Its training data was not recorded in the lineage graph.');
  if (e.derivedFrom.length) {
    lines.push(`That data derives from ${e.derivedFrom.map((d) => `${d.label} (${d.id})`).join(' ← ')}.`);
    c.datasets.push(...e.derivedFrom.map((d) => d.id));
  }
  if (e.runs.length) {
    lines.push(`Runs: ${e.runs.join(', ')}.`);
    c.runs.push(...e.runs);
  }
  if (e.approvals.length) {
    for (const a of e.approvals) {
      lines.push(
        `${a.approved ? 'Approved' : 'Rejected'} by ${a.by ?? 'unknown'}${a.at ? ` at ${a.at}` : ''}` +
          `${a.step ? ` (step ${a.step}${a.runId ? ` of ${a.runId}` : ''})` : ''}${a.comment ? `: "${a.comment}"` : ''}.`,
      );
      c.approvals.push(a.id);
    }
  } else lines.push('No approval decision is recorded for it.');
  return lines.join(' ');
}

function askLineage(store: RunStore, question: string, token: string): AskAnswer {
  const L = lineageOf(store);
  const direction = /\bdownstream\b/i.test(question) ? 'down' : 'up';
  const w = L.walk(token, direction);
  const c = emptyCitations();
  for (const n of w.nodes) {
    if (n.kind === 'run' && n.runId) c.runs.push(n.runId);
    if (n.kind === 'model') c.models.push(n.id);
    if (n.kind === 'dataset') c.datasets.push(n.id);
    if (n.kind === 'deployment') c.deployments.push(n.id);
    if (n.kind === 'approval') c.approvals.push(n.id);
  }
  const others = w.nodes.filter((n) => n.id !== w.root.id && n.kind !== 'step');
  return {
    question,
    source: 'lineage',
    answer: `${direction === 'up' ? 'Upstream' : 'Downstream'} of ${w.root.id} (${w.root.label}): ${
      others.length ? others.map((n) => `${n.kind} ${n.label} (${n.id})`).join('; ') : 'nothing recorded'
    }.`,
    citations: dedupe(c),
    evidence: w.nodes,
  };
}

async function askMemory(
  config: Config,
  question: string,
  opts: { limit?: number; embedder?: Embedder },
): Promise<AskAnswer> {
  const limit = opts.limit ?? 8;
  const base = { limit, withVectors: true, ...(opts.embedder ? { embedder: opts.embedder } : {}) };
  const c = emptyCitations();
  const failure = FAILURE.test(question);
  let hits = failure ? await searchMemory(config, question, { ...base, filter: { status: 'failed' } }) : [];
  if (hits.length === 0) hits = await searchMemory(config, question, base);
  if (hits.length === 0) {
    return {
      question,
      source: 'memory',
      answer:
        'Run memory has nothing on this yet. Runs are remembered when they end; `pipewright memory rebuild` indexes past runs.',
      citations: c,
      evidence: [],
    };
  }
  const strip = (h: MemoryHit) => {
    const { vector: _v, ...rest } = h;
    return rest;
  };
  if (failure) {
    const failed = hits.filter((h) => h.status === 'failed');
    const primary =
      (RECENT.test(question) ? [...failed].sort((a, b) => b.time.localeCompare(a.time))[0] : failed[0]) ??
      hits[0];
    const p = primary as MemoryHit;
    const errors = hits.filter((h) => h.run_id === p.run_id && h.kind === 'error');
    const error = errors[0] ?? hits.find((h) => h.run_id === p.run_id) ?? p;
    const similar = await searchMemory(config, error.text, {
      ...base,
      filter: `kind = 'error' AND run_id != '${p.run_id.replace(/'/g, "''")}'`,
    });
    const before = similar.filter(
      (h) =>
        h.time <= p.time &&
        ((error.vector && h.vector && cosine(error.vector, h.vector) >= 0.6) ||
          (h.code && h.code === error.code)),
    );
    const beforeRuns = [...new Map(before.map((h) => [h.run_id, h])).values()];
    c.runs.push(p.run_id, ...beforeRuns.map((h) => h.run_id));
    const answer = [
      `Run ${p.run_id} (${p.pipeline}) ${p.status} at ${p.time}.`,
      error.kind === 'error' ? `Cause: ${error.text}` : `Evidence: ${error.text}`,
      beforeRuns.length
        ? `This happened before in ${beforeRuns.length} earlier run${beforeRuns.length > 1 ? 's' : ''}: ${beforeRuns
            .map((h) => `${h.run_id} (${h.pipeline}, ${h.time})`)
            .join(', ')}.`
        : 'No earlier run in memory failed in a similar way.',
    ].join(' ');
    return {
      question,
      source: 'memory',
      answer,
      citations: dedupe(c),
      evidence: [...hits, ...before].map(strip),
    };
  }
  c.runs.push(...hits.map((h) => h.run_id));
  for (const h of hits) {
    if (h.dataset) c.datasets.push(h.dataset);
    if (h.model) c.models.push(h.model);
  }
  const answer = `Most relevant past runs:\n${hits
    .slice(0, 5)
    .map((h, i) => `${i + 1}. ${h.run_id} (${h.pipeline}, ${h.status}, ${h.time}): ${h.text.slice(0, 200)}`)
    .join('\n')}`;
  return { question, source: 'memory', answer, citations: dedupe(c), evidence: hits.map(strip) };
}

function dedupe(c: Citations): Citations {
  return {
    runs: [...new Set(c.runs)],
    models: [...new Set(c.models)],
    datasets: [...new Set(c.datasets)],
    deployments: [...new Set(c.deployments)],
    approvals: [...new Set(c.approvals)],
  };
}
