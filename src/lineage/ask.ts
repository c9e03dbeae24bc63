/**
 * `pipewright ask`: structural questions ("what is in production", "which data trained it, who approved it")
 * are answered from the lineage graph; questions about runs, deploys and versions ("which runs failed this
 * week and why", "why was the weather model not deployed", "what changed between the last two versions of
 * X") from the run records and the registry (ask-records.ts); fuzzy ones ("why did last night's run fail,
 * has that happened before?") from run memory. With a configured chat model the answer is written by the model from the
 * gathered evidence (redacted first), citing only the evidence's ids; ids it makes up are removed and
 * flagged. Without a model, or when the model fails, the answer is a template over the same evidence.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Config } from '../config.ts';
import { createChatModel, describeSettings, llmSettingsFrom, loadPrompt, type Prompt } from '../llm/index.ts';
import { ModelRegistry, type RunStore } from '../store/index.ts';
import {
  askFailedRuns,
  askVersionChanges,
  askWhyNotShipped,
  type Citations,
  dedupe,
  emptyCitations,
  modelsNamedIn,
  type RecordsAnswer,
  recordsQuestion,
} from './ask-records.ts';
import { askDriftVerdict } from './drift-verdicts.ts';
import { cosine, type Embedder } from './embeddings.ts';
import { type MemoryHit, searchMemory } from './memory.ts';
import { lineageOf, type ProductionEntry, whatIsInProduction } from './queries.ts';
import { configSecrets, redactText } from './redact.ts';
import { collectRefs } from './refs.ts';

export type { Citations };

export interface AskAnswer {
  question: string;
  source: 'lineage' | 'memory';
  answer: string;
  citations: Citations;
  evidence: unknown[];
  /** Who wrote `answer`: the configured chat model, or the template (no model, or the model failed). */
  writtenBy: 'model' | 'template';
  /** The prompt that shaped a model-written answer, as "id@version". */
  prompt?: string;
  /** Why the template answered although a model is configured. */
  note?: string;
  /** Ids the model cited that are not in the evidence; they were removed from the answer. */
  unverifiedIds?: string[];
}

export interface AskOptions {
  limit?: number;
  embedder?: Embedder;
  /**
   * The chat model that writes the answer. Undefined: the one the config names (none when the provider is
   * offline); null: none, the template answers.
   */
  model?: BaseChatModel | null;
  /** The time "today" and "this week" are relative to (default now). */
  now?: Date;
}

/** An answer before anyone wrote it: the template and the facts a model may use. */
interface Gathered {
  answer: Omit<AskAnswer, 'writtenBy'>;
  /** One line per piece of evidence, with its ids, for the model. */
  facts: string[];
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
  opts: AskOptions = {},
): Promise<AskAnswer> {
  const gathered = await gather(store, config, question, opts);
  return writeAnswer(config, question, gathered, opts.model);
}

async function gather(
  store: RunStore,
  config: Config,
  question: string,
  opts: AskOptions,
): Promise<Gathered> {
  const verdict = askDriftVerdict(store, question);
  if (verdict) return verdict;
  if (LINEAGE.test(question)) {
    const token = ENTITY_TOKEN.exec(question)?.[1];
    if (token) return askLineage(store, question, token);
  }
  const records = recordsQuestion(question);
  if (records === 'failed-runs')
    return fromRecords(question, askFailedRuns(store, question, opts.now ?? new Date()));
  if (records === 'not-shipped') return fromRecords(question, askWhyNotShipped(store, question));
  if (records === 'version-diff') return fromRecords(question, askVersionChanges(store, question));
  if (STRUCTURAL.test(question)) return askProduction(store, question);
  return askMemory(config, question, opts);
}

// ---- the model writes the answer ------------------------------------------------------------------

const PROMPT_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prompts/ask/answer.md');
let prompt: Prompt | undefined;
/** The ask prompt (prompts/ask/answer.md), loaded once. */
export function askPrompt(): Prompt {
  prompt ??= loadPrompt(PROMPT_FILE);
  return prompt;
}

/** Ids in text: run-…, dep-…, and prefixed entity ids (model:…, dataset:…, approval:…). */
const ID_PATTERN =
  /(?<![\w-])(?:(?:run|dep)-[A-Za-z0-9][\w-]*|(?:dataset|model|deployment|plan|run|step|approval|alert|prompt):[\w@./-]*[\w@/])/g;
const bare = (id: string) => id.replace(/^(?:run|deployment):(?=(?:run|dep)-)/, '');

export function idsIn(text: string): string[] {
  return [...new Set(text.match(ID_PATTERN) ?? [])];
}

/**
 * Removes from a model's answer every id that is not among the allowed ones (an id with or without its
 * `run:` / `deployment:` prefix counts as the same id) and returns what it removed.
 */
export function checkCitedIds(text: string, allowed: Iterable<string>): { text: string; unknown: string[] } {
  const ok = new Set([...allowed].map(bare));
  const unknown: string[] = [];
  const cleaned = text.replace(ID_PATTERN, (id) => {
    if (ok.has(bare(id))) return id;
    if (!unknown.includes(id)) unknown.push(id);
    return '[id not in evidence]';
  });
  return { text: cleaned, unknown };
}

async function writeAnswer(
  config: Config,
  question: string,
  gathered: Gathered,
  given: BaseChatModel | null | undefined,
): Promise<AskAnswer> {
  const template: AskAnswer = { ...gathered.answer, writtenBy: 'template' };
  if (given === null) return template;
  const secrets = configSecrets(config);
  const fallback = (label: string, e: unknown): AskAnswer => {
    const why = redactText((e as Error)?.message?.split('\n')[0] ?? String(e), secrets).slice(0, 300);
    const note = `The chat model (${label}) could not write this answer (${why}); this is the templated answer from the same evidence.`;
    return { ...template, answer: `${template.answer}\n\n(${note})`, note };
  };
  let model: BaseChatModel | undefined = given;
  let label = given ? given.getName() : config.llmProvider;
  try {
    if (!model) {
      const settings = llmSettingsFrom(config);
      const d = describeSettings(settings);
      label = `${d.provider}${d.model ? ` ${d.model}` : ''}`;
      model = await createChatModel(settings);
    }
  } catch (e) {
    return fallback(label, e);
  }
  if (!model || gathered.facts.length === 0) return template;

  const p = askPrompt();
  const ids = [
    ...new Set([...Object.values(gathered.answer.citations).flat(), ...gathered.facts.flatMap(idsIn)]),
  ];
  let text: string;
  try {
    const { HumanMessage } = await import('@langchain/core/messages');
    const content = p.render({
      question: redactText(question, secrets),
      ids: ids.length ? ids.map((id) => `- ${id}`).join('\n') : '(none)',
      evidence: gathered.facts.map((f, i) => `${i + 1}. ${redactText(f, secrets)}`).join('\n'),
    });
    const res = await model.invoke([new HumanMessage(content)]);
    text = (typeof res.content === 'string' ? res.content : res.text).trim();
    if (!text) throw new Error('the model answered with nothing');
  } catch (e) {
    return fallback(label, e);
  }
  const checked = checkCitedIds(text, ids);
  const answer: AskAnswer = {
    ...gathered.answer,
    answer: checked.unknown.length
      ? `${checked.text}\n\n(Removed ids the model cited that are not in the evidence: ${checked.unknown.join(', ')}.)`
      : checked.text,
    writtenBy: 'model',
    prompt: `${p.id}@${p.version}`,
  };
  if (checked.unknown.length) answer.unverifiedIds = checked.unknown;
  return answer;
}

function fromRecords(question: string, r: RecordsAnswer): Gathered {
  return {
    answer: { question, source: 'lineage', answer: r.answer, citations: r.citations, evidence: r.evidence },
    facts: r.facts,
  };
}

function askProduction(store: RunStore, question: string): Gathered {
  const all = whatIsInProduction(store);
  // "what trained the cars model in production?": the models the question names, else all of them.
  const named = modelsNamedIn(
    question,
    all.map((e) => e.model),
  );
  const entries = named.length ? all.filter((e) => named.includes(e.model)) : all;
  const c = emptyCitations();
  if (entries.length === 0) {
    const answer =
      'Nothing is in production: no model has a production alias. Deploy one with a deploy.http step.';
    return {
      answer: { question, source: 'lineage', answer, citations: c, evidence: [] },
      facts: [answer],
    };
  }
  const registry = new ModelRegistry(store.db);
  const parts = entries.map((e) => describeProduction(e, c, store, registry));
  return {
    answer: {
      question,
      source: 'lineage',
      answer: parts.join('\n\n'),
      citations: dedupe(c),
      evidence: entries,
    },
    facts: parts,
  };
}

/** "Trained by run R (plan) at step train (train.tabular): builtin random_forest with nEstimators=60, predicting y." */
function trainedBy(store: RunStore, registry: ModelRegistry, model: string, version: number) {
  const v = registry.getVersion(model, version);
  if (!v.runId) return undefined;
  const hash = v.ref.hash;
  const step = store
    .getSteps(v.runId)
    .find(
      (s) =>
        s.status === 'succeeded' &&
        collectRefs(s.output).models.some((m) => m.hash === hash) &&
        s.stepId !== v.stepId,
    );
  const params = Object.entries(v.params)
    .map(([k, p]) => `${k}=${typeof p === 'object' ? JSON.stringify(p) : String(p)}`)
    .join(', ');
  const algorithm = [v.ref.framework, v.ref.algorithm].filter((x) => typeof x === 'string').join(' ');
  return {
    runId: v.runId,
    text:
      `Trained by run ${v.runId}${v.planName ? ` (${v.planName})` : ''}` +
      `${step ? ` at step ${step.stepId}${step.task ? ` (${step.task})` : ''}` : ''}` +
      `${algorithm ? `: ${algorithm}` : ''}${params ? ` with ${params}` : ''}` +
      `${typeof v.ref.target === 'string' ? `, predicting ${v.ref.target}` : ''}.`,
  };
}

function describeProduction(
  e: ProductionEntry,
  c: Citations,
  store: RunStore,
  registry: ModelRegistry,
): string {
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
  const trained = trainedBy(store, registry, e.model, e.version);
  if (trained) {
    lines.push(trained.text);
    c.runs.push(trained.runId);
  }
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

function askLineage(store: RunStore, question: string, token: string): Gathered {
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
  const where = `${direction === 'up' ? 'Upstream' : 'Downstream'} of ${w.root.id} (${w.root.label})`;
  return {
    answer: {
      question,
      source: 'lineage',
      answer: `${where}: ${
        others.length ? others.map((n) => `${n.kind} ${n.label} (${n.id})`).join('; ') : 'nothing recorded'
      }.`,
      citations: dedupe(c),
      evidence: w.nodes,
    },
    facts: [
      `${where}, as a list of entities:`,
      ...(others.length ? others.map((n) => `${n.kind} ${n.label} (${n.id})`) : ['nothing recorded']),
    ],
  };
}

/** One memory hit as a line of evidence for the model. */
const hitFact = (h: MemoryHit) =>
  `${h.run_id} (${h.kind} document; pipeline ${h.pipeline}; ${h.status}; ${h.time}${
    h.model ? `; model ${h.model}` : ''
  }${h.dataset ? `; dataset ${h.dataset}` : ''}): ${h.text}`;

async function askMemory(config: Config, question: string, opts: AskOptions): Promise<Gathered> {
  const limit = opts.limit ?? 8;
  const base = { limit, withVectors: true, ...(opts.embedder ? { embedder: opts.embedder } : {}) };
  const c = emptyCitations();
  const failure = FAILURE.test(question);
  let hits = failure ? await searchMemory(config, question, { ...base, filter: { status: 'failed' } }) : [];
  if (hits.length === 0) hits = await searchMemory(config, question, base);
  if (hits.length === 0) {
    return {
      answer: {
        question,
        source: 'memory',
        answer:
          'Run memory has nothing on this yet. Runs are remembered when they end; `pipewright memory rebuild` indexes past runs.',
        citations: c,
        evidence: [],
      },
      facts: [],
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
      answer: {
        question,
        source: 'memory',
        answer,
        citations: dedupe(c),
        evidence: [...hits, ...before].map(strip),
      },
      facts: [
        `Most recent matching run and cause (rules): ${answer}`,
        ...[...hits, ...before.filter((b) => !hits.some((h) => h.id === b.id))].map(hitFact),
      ],
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
  return {
    answer: { question, source: 'memory', answer, citations: dedupe(c), evidence: hits.map(strip) },
    facts: hits.map(hitFact),
  };
}
