/**
 * The explanation: the rules write a plain one; a configured chat model writes its own and may refine the
 * proposal. The model's answer is validated with zod and checked against the actions the classification
 * allows; anything else falls back to the rules, with a note saying why.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { z } from 'zod';
import type { Prompt } from '../../src/llm/index.ts';
import { allowedActions } from './rules.ts';
import { Action, type Evidence, type Proposal, type Verdict } from './types.ts';

export const LlmAnswer = z
  .object({
    explanation: z.string().min(20).max(4000).describe('What happened and why the action fits'),
    action: Action.optional(),
    reasons: z.array(z.string().min(1)).min(1).max(8).optional(),
  })
  .describe('The triage model answer');

const LABEL: Record<Verdict['classification'], string> = {
  data_quality: 'a data-quality problem',
  real_shift: 'a real-world shift',
  noise: 'noise',
  no_drift: 'no drift',
};

export function rulesExplanation(ev: Evidence, v: Verdict, p: Proposal): string {
  if (v.classification === 'no_drift')
    return `${ev.alert.summary}. No drift: ${v.reasoning.join(' ')} Nothing to apply.`;
  const model = ev.model
    ? ` The deployed model is ${ev.model.name} v${ev.model.version ?? '?'}${
        ev.model.trainingData ? `, trained on ${ev.model.trainingData}` : ''
      }${ev.model.trainedAt ? ` (${ev.model.trainedAt.slice(0, 10)})` : ''}${
        ev.model.approvedBy.length ? `, approved by ${ev.model.approvedBy.join(', ')}` : ''
      }.`
    : ev.modelMissing
      ? ` The alert names model "${ev.modelMissing}", which is no longer registered.`
      : '';
  const past = ev.similar.length
    ? ` Similar past incidents: ${ev.similar
        .slice(0, 2)
        .map((s) => `${s.id} (${s.classification}, ${s.action}, ${s.status})`)
        .join('; ')}.`
    : '';
  // A real shift's first reason restates the summary feature by feature; the summary is enough here.
  const reasons = v.classification === 'real_shift' ? v.reasoning.slice(1) : v.reasoning;
  return `${ev.alert.summary}. This looks like ${LABEL[v.classification]} (${v.cause.replaceAll('_', ' ')}, severity ${
    v.severity
  }): ${reasons.join(' ')}${model}${past} Proposed: ${p.action.replace('_', ' ')}. ${p.reasons.join(' ')}`;
}

export interface Explained {
  explanation: string;
  proposal: Proposal;
  source: 'rules' | 'llm';
  notes: string[];
}

/** Asks the model; validates; falls back to the rules (with a note) on any failure. */
export async function explainWithModel(
  model: BaseChatModel,
  prompt: Prompt,
  ev: Evidence,
  v: Verdict,
  p: Proposal,
): Promise<Explained> {
  const fallback = (why: string): Explained => ({
    explanation: rulesExplanation(ev, v, p),
    proposal: p,
    source: 'rules',
    notes: [`the model's answer was not used (${why}); the explanation and proposal are the rules'`],
  });
  const actions = allowedActions(ev, v);
  let text: string;
  try {
    const { plan: _plan, ...shown } = p;
    const answer = await model.invoke(
      prompt.render({
        evidence: JSON.stringify(ev, null, 1).slice(0, 12_000),
        verdict: JSON.stringify(v, null, 1),
        proposal: JSON.stringify(shown, null, 1),
        actions: actions.join(', '),
      }),
    );
    text = typeof answer.content === 'string' ? answer.content : JSON.stringify(answer.content);
  } catch (e) {
    return fallback(`the model call failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  let raw: unknown;
  try {
    raw = JSON.parse(json ?? '');
  } catch {
    return fallback('not JSON');
  }
  const parsed = LlmAnswer.safeParse(raw);
  if (!parsed.success) {
    return fallback(
      `invalid: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'} ${i.message}`)
        .join('; ')}`,
    );
  }
  const a = parsed.data;
  const notes: string[] = [];
  let proposal = p;
  if (a.action && a.action !== p.action) {
    if (!actions.includes(a.action)) {
      notes.push(
        `the model proposed "${a.action}", which a ${v.classification} verdict does not allow (${actions.join(', ')}); kept "${p.action}"`,
      );
    } else {
      notes.push(`the model changed the action from "${p.action}" to "${a.action}"`);
      proposal = { action: a.action, reasons: a.reasons ?? p.reasons };
      if (a.action === 'rollback') {
        const prev = ev.model?.previousVersions.at(-1);
        if (prev) proposal.rollbackTo = prev.version;
      }
      if (a.action === 'mute')
        proposal.expiresAt = new Date(Date.parse(ev.alert.at) + 7 * 86_400_000).toISOString().slice(0, 10);
    }
  } else if (a.reasons && a.action === p.action) {
    proposal = { ...p, reasons: a.reasons };
  }
  return { explanation: a.explanation, proposal, source: 'llm', notes };
}
