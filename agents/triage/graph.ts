/**
 * The triage graph:
 *
 *   gather (tools: drift report, current window, model lineage, upstream changes, past incidents)
 *     → classify (rules: data quality / real shift / noise, severity, one proposed action)
 *     → explain (the rules' text, or a chat model's, validated; it may refine the action)
 *     → draft (retrain: a plan templated from the run that trained the deployed model)
 *     → END
 *
 * Offline (no model) every step is deterministic.
 */
import { randomBytes } from 'node:crypto';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import type { Config } from '../../src/config.ts';
import type { Prompt } from '../../src/llm/index.ts';
import type { RunStore } from '../../src/store/index.ts';
import {
  type AlertInput,
  driftEvidence,
  modelEvidence,
  similarIncidents,
  upstreamEvidence,
  windowEvidence,
} from './evidence.ts';
import { explainWithModel, rulesExplanation } from './explain.ts';
import { classify, propose, type RuleOptions } from './rules.ts';
import type { Evidence, ModelCheck, ModelEvidence, Proposal, Triage, Verdict } from './types.ts';

export interface TriageDeps {
  /** The run store: model lineage, upstream datasets, earlier triages (without it, the report alone). */
  store?: RunStore;
  /** With a config, run memory is searched for similar incidents. */
  config?: Config;
  /** A chat model writes the explanation (and may refine the action); without one the rules do. */
  model?: BaseChatModel;
  /** prompts/triage/explain.md, required with a model. */
  prompt?: Prompt;
  rules?: RuleOptions;
  /** Read the current and reference Parquet files for volume, missing values and months (default true). */
  readWindow?: boolean;
  /** Drafts the retrain plan for a retrain proposal. */
  draftRetrain?: (ev: Evidence) => Record<string, unknown> | undefined;
  /**
   * Asks the deployed model about the alert: importance of its inputs, label shift and, with labels in the
   * current data, its quality (tools/triage/model-check.ts, wired by the CLI and the evals).
   */
  checkModel?: (input: AlertInput, model: ModelEvidence | undefined) => Promise<ModelCheck | undefined>;
  /** The deployed model's lineage when no store holds it (evals, tests); the store's wins. */
  deployedModel?: ModelEvidence;
  now?: () => Date;
}

const State = Annotation.Root({
  input: Annotation<AlertInput>,
  evidence: Annotation<Evidence | undefined>,
  verdict: Annotation<Verdict | undefined>,
  proposal: Annotation<Proposal | undefined>,
  explanation: Annotation<string>,
  source: Annotation<'rules' | 'llm'>,
  notes: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
type S = typeof State.State;

/** One triage per model and current data window: two alerts on the same window share it. */
export function alertKey(input: AlertInput): string {
  return `${input.model ?? '-'}|${input.report.current.hash}`;
}

export function createTriageGraph(deps: TriageDeps) {
  const now = deps.now ?? (() => new Date());

  const gather = async (s: S): Promise<Partial<S>> => {
    const { report } = s.input;
    const notes: string[] = [];
    const features = driftEvidence(report);
    let window: Evidence['window'] = {
      rows: report.current.rows,
      nullRates: Object.fromEntries(report.features.map((f) => [f.name, f.nulls.current])),
    };
    if (deps.readWindow !== false) {
      try {
        window = await windowEvidence(report);
      } catch (e) {
        notes.push(
          `the current window could not be read (${(e as Error).message.split('\n')[0]}); using the report's counts`,
        );
      }
    }
    const ev: Evidence = {
      alert: {
        ref: s.input.ref,
        key: alertKey(s.input),
        summary: summaryOf(report, features),
        severity: report.drifted ? 'critical' : 'warning',
        drifted: report.drifted,
        share: report.share,
        at: report.at ?? now().toISOString(),
        ...(s.input.reportJson ? { reportJson: s.input.reportJson } : {}),
      },
      reference: pickSide(report.reference),
      current: pickSide(report.current),
      features,
      findings: report.findings,
      ...(report.season !== undefined ? { season: report.season } : {}),
      window,
      upstream: [],
      similar: [],
    };
    if (deps.store && s.input.model) {
      const m = modelEvidence(deps.store, s.input.model);
      if (m === 'missing') {
        ev.modelMissing = s.input.model;
        notes.push(`model "${s.input.model}" is not in the registry any more`);
      } else {
        ev.model = m;
        ev.upstream = upstreamEvidence(deps.store, m);
      }
    }
    if (!ev.model && deps.deployedModel) ev.model = deps.deployedModel;
    if (deps.checkModel) {
      try {
        const check = await deps.checkModel(s.input, ev.model);
        if (check) ev.modelCheck = check;
      } catch (e) {
        notes.push(
          `the model could not be asked about the alert (${(e as Error).message.split('\n')[0]}); importance, labels and quality are unknown`,
        );
      }
    }
    if (deps.store) {
      ev.similar = await similarIncidents(deps.store, {
        ...(s.input.model ? { model: s.input.model } : {}),
        columns: features.filter((f) => f.drifted).map((f) => f.name),
        exclude: ev.alert.key,
        ...(deps.config ? { config: deps.config } : {}),
      });
    }
    return { evidence: ev, notes };
  };

  const decide = (s: S): Partial<S> => {
    const ev = s.evidence as Evidence;
    const verdict = classify(ev, deps.rules);
    return { verdict, proposal: propose(ev, verdict, deps.rules) };
  };

  const explain = async (s: S): Promise<Partial<S>> => {
    const ev = s.evidence as Evidence;
    const v = s.verdict as Verdict;
    const p = s.proposal as Proposal;
    if (!deps.model || !deps.prompt) return { explanation: rulesExplanation(ev, v, p), source: 'rules' };
    const r = await explainWithModel(deps.model, deps.prompt, ev, v, p);
    return { explanation: r.explanation, proposal: r.proposal, source: r.source, notes: r.notes };
  };

  const draft = (s: S): Partial<S> => {
    const p = s.proposal as Proposal;
    if (p.action !== 'retrain' || !deps.draftRetrain) return {};
    const plan = deps.draftRetrain(s.evidence as Evidence);
    if (!plan)
      return {
        notes: ['no training run to template a retrain plan from; the retrain step only records the request'],
      };
    return { proposal: { ...p, plan } };
  };

  return new StateGraph(State)
    .addNode('gather', gather)
    .addNode('classify', decide)
    .addNode('explain', explain)
    .addNode('draft', draft)
    .addEdge(START, 'gather')
    .addEdge('gather', 'classify')
    .addEdge('classify', 'explain')
    .addEdge('explain', 'draft')
    .addEdge('draft', END)
    .compile();
}

/** Triages one alert: evidence, verdict, explanation and one proposal. Records nothing (see postTriage). */
export async function triageAlert(input: AlertInput, deps: TriageDeps = {}): Promise<Triage> {
  const out = await createTriageGraph(deps).invoke({ input });
  const at = (deps.now ?? (() => new Date()))().toISOString();
  return {
    id: `triage-${at.replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`,
    at,
    ...(input.model ? { model: input.model } : {}),
    evidence: out.evidence as Evidence,
    verdict: out.verdict as Verdict,
    proposal: out.proposal as Proposal,
    explanation: out.explanation,
    source: out.source,
    ...(deps.model && deps.prompt ? { prompt: { id: deps.prompt.id, version: deps.prompt.version } } : {}),
    notes: out.notes,
  };
}

function pickSide(side: { name?: string | undefined; rows: number; hash: string }) {
  return { ...(side.name ? { name: side.name } : {}), rows: side.rows, hash: side.hash };
}

function summaryOf(report: AlertInput['report'], features: Evidence['features']): string {
  const drifted = features.filter((f) => f.drifted).map((f) => f.name);
  if (drifted.length === 0 && report.findings.length === 0)
    return `No drift: none of ${features.length} features drifted beyond chance, no data-quality finding`;
  const base = `${drifted.length} of ${features.length} features drifted (${Math.round(report.share * 100)}%)${
    drifted.length ? `: ${drifted.join(', ')}` : ''
  }`;
  return report.findings.length ? `${base}; ${report.findings.length} data-quality finding(s)` : base;
}
