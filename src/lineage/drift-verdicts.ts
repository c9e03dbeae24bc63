/**
 * Answers "why did we mute the drift on X?" (or retrain, roll back, fix upstream) from the lineage graph: the
 * drift triage stores each verdict with its alert (agents/triage/post.ts `recordVerdict`: classification,
 * cause, columns, reasoning, evidence with statistics, thresholds and example rows, the proposal and its
 * expiry) and triage.apply adds the approved outcome (who approved, when, until when). X is a feature, a
 * model or an alert id.
 */
import type { RunStore } from '../store/index.ts';
import { lineageOf } from './queries.ts';

/** A question about why a drift alert was handled the way it was. */
export const DRIFT_WHY =
  /\bwhy\b[\s\S]*\b(mut(?:e|ed|ing)|silenc\w*|snooz\w*|retrain\w*|roll(?:ed)?[ -]?back|fix\w*|upstream)\b[\s\S]*\b(drift\w*|alert\w*)\b|\bwhy\b[\s\S]*\b(drift\w*|alert\w*)\b[\s\S]*\b(mut(?:e|ed|ing)|silenc\w*|snooz\w*)\b/i;

const VERBS: [RegExp, string][] = [
  [/\b(mut\w*|silenc\w*|snooz\w*)\b/i, 'mute'],
  [/\bretrain\w*\b/i, 'retrain'],
  [/\broll(?:ed)?[ -]?back\b/i, 'rollback'],
  [/\b(fix\w*|upstream)\b/i, 'fix_upstream'],
];

interface StoredVerdict {
  at?: string;
  classification?: string;
  cause?: string;
  severity?: string;
  columns?: string[];
  reasoning?: string[];
  evidence?: {
    kind: string;
    column?: string;
    statistic: string;
    value: number | null;
    threshold: number | null;
  }[];
  action?: string;
  reasons?: string[];
  expiresAt?: string | null;
  explanation?: string;
}

interface StoredOutcome {
  action?: string;
  detail?: string;
  approvedBy?: string;
  expiresAt?: string;
  at?: string;
  run?: string;
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[\s_\-()]+/g, ' ')
    .trim();
const num = (x: number | null) => (x === null ? 'n/a' : Number(x.toPrecision(3)).toString());

/** The gathered answer (the shape src/lineage/ask.ts writes), or undefined when the question is not one. */
export function askDriftVerdict(store: RunStore, question: string) {
  if (!DRIFT_WHY.test(question)) return undefined;
  const wanted = VERBS.find(([re]) => re.test(question))?.[1];
  const q = norm(question);
  const alerts = lineageOf(store)
    .listEntities({ kind: 'alert', limit: 500 })
    .map((e) => ({
      e,
      v: (e.attrs.triage ?? {}) as StoredVerdict,
      o: (e.attrs.outcome ?? undefined) as StoredOutcome | undefined,
      model: (e.attrs.model as { name?: string } | undefined)?.name,
    }))
    .filter((a) => a.v.classification);
  const scored = alerts
    .map((a) => {
      const columns = (a.v.columns ?? []).filter((c) => q.includes(norm(c)));
      const action = a.o?.action ?? a.v.action;
      const score =
        columns.length * 3 +
        (a.model && q.includes(norm(a.model)) ? 3 : 0) +
        (q.includes(norm(a.e.id)) ? 5 : 0) +
        (wanted && action === wanted ? 2 : 0);
      return { ...a, columns, action, score };
    })
    .filter((a) => a.score >= 3)
    .sort((x, y) => y.score - x.score || String(y.v.at ?? '').localeCompare(String(x.v.at ?? '')));
  const citations = {
    runs: [] as string[],
    models: [] as string[],
    datasets: [],
    deployments: [],
    approvals: [],
  };
  const best = scored[0];
  if (!best) {
    const answer = alerts.length
      ? `No triaged drift alert matches that question. Recorded verdicts: ${alerts
          .slice(0, 5)
          .map(
            (a) =>
              `${a.e.id} (${(a.v.columns ?? []).join(', ') || 'no columns'}: ${a.v.classification} → ${a.o?.action ?? a.v.action})`,
          )
          .join('; ')}.`
      : 'No drift alert has been triaged yet: `pipewright triage <run>` records a verdict with its alert.';
    return {
      answer: { question, source: 'lineage' as const, answer, citations, evidence: [] },
      facts: [answer],
    };
  }
  const { e, v, o } = best;
  if (best.model) citations.models.push(`model:${best.model}`);
  if (o?.run) citations.runs.push(o.run);
  const lines: string[] = [];
  const on = best.columns.length ? best.columns : (v.columns ?? []);
  lines.push(
    `${e.id}${best.model ? ` (model ${best.model})` : ''}${on.length ? ` on ${on.join(', ')}` : ''} was triaged${
      v.at ? ` at ${v.at}` : ''
    } as ${v.classification} (${(v.cause ?? '').replaceAll('_', ' ')}, ${v.severity ?? '?'}).`,
  );
  if (v.reasoning?.length) lines.push(`Why: ${v.reasoning.slice(0, 3).join(' ')}`);
  const ev = (v.evidence ?? []).slice(0, 4);
  if (ev.length)
    lines.push(
      `Evidence: ${ev
        .map(
          (x) =>
            `${x.column ? `${x.column}: ` : ''}${x.statistic} = ${num(x.value)} (threshold ${num(x.threshold)})`,
        )
        .join('; ')}.`,
    );
  const expires = o?.expiresAt ?? v.expiresAt ?? undefined;
  lines.push(
    `Proposed: ${v.action?.replace('_', ' ') ?? '?'}${expires ? ` until ${expires}` : ''}. ${(v.reasons ?? []).slice(0, 1).join(' ')}`,
  );
  if (o)
    lines.push(
      `Applied${o.approvedBy ? ` after ${o.approvedBy} approved it` : ''}${o.at ? ` at ${o.at}` : ''}${o.run ? ` (run ${o.run})` : ''}: ${o.detail ?? o.action}.`,
    );
  else lines.push('Not applied yet: the proposal waits for approval, or was only looked at.');
  if (wanted && best.action !== wanted)
    lines.push(
      `(The alert was not ${wanted === 'mute' ? 'muted' : `handled with ${wanted}`}: its action is ${best.action}.)`,
    );
  const answer = lines.join(' ');
  return {
    answer: { question, source: 'lineage' as const, answer, citations, evidence: [e] },
    facts: [`${e.id}: ${answer}`],
  };
}
