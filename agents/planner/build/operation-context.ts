/**
 * What every operation builder shares: the workspace it checks against, the registered model the goal names
 * (bound to one version, or one clarifying question), and the time windows a served-model check looks at.
 */
import type { DescribeDataset } from '../describe-dataset.ts';
import type { IntentFrame, ModelReference } from '../intent.ts';
import { type BoundModel, bindModel, dayRange, type Lookups } from '../resolve.ts';
import type { DraftOutcome, MissingPiece } from '../types.ts';

export interface OperationContext {
  look: Lookups;
  describe: DescribeDataset;
  exists: (file: string) => boolean;
}

export const clarify = (question: string, about: MissingPiece = 'other'): DraftOutcome => ({
  kind: 'clarify',
  question,
  about,
});

/**
 * The reference the operation acts on: a phrase in that role (subject or scorer), else any phrase; bare
 * registry-style names count when a model has exactly that name.
 */
function subjectOf(
  frame: IntentFrame,
  look: Lookups,
  role: ModelReference['role'] = 'subject',
): ModelReference | undefined {
  const names = new Set(look.models().map((m) => m.name.toLowerCase()));
  const usable = (r: ModelReference) => !r.exactOnly || names.has((r.words[0] ?? '').toLowerCase());
  const refs = frame.refs.models;
  const r =
    refs.find((r) => r.role === role && !r.exactOnly) ??
    refs.find((r) => !r.exactOnly) ??
    refs.find(usable) ??
    refs[0];
  return r && withNamedModel(r, refs, names);
}

/**
 * "the staging model … penguins-species": a role word alone (an alias or qualifier, no name) takes the one
 * registered model the goal names elsewhere, so two models at that alias are not ambiguous.
 */
function withNamedModel(r: ModelReference, refs: ModelReference[], names: Set<string>): ModelReference {
  if (r.words.length || r.name || r.run || r.version !== undefined) return r;
  const named = [
    ...new Set(
      refs
        .filter((x) => x !== r && x.words.length === 1 && names.has((x.words[0] as string).toLowerCase()))
        .map((x) => (x.words[0] as string).toLowerCase()),
    ),
  ];
  return named.length === 1 ? { ...r, words: named, exactOnly: false } : r;
}

export function bound(
  frame: IntentFrame,
  ctx: OperationContext,
  fallback: 'production' | 'latest' | 'new',
  role: ModelReference['role'] = 'subject',
): { ok: true; b: BoundModel } | { ok: false; outcome: DraftOutcome } {
  const r = subjectOf(frame, ctx.look, role);
  if (!r)
    return {
      ok: false,
      outcome: clarify(
        `Which registered model do you mean? ${
          ctx.look
            .models()
            .map((m) => m.name)
            .join(', ') || 'None is registered yet.'
        }`,
      ),
    };
  const b = bindModel(r, ctx.look, fallback);
  return b.ok ? { ok: true, b: b.value } : { ok: false, outcome: clarify(b.question, 'model') };
}

export const versionText = (b: BoundModel) => `${b.name} v${b.version}${b.alias ? ` (${b.alias})` : ''}`;

export function filesGone(b: BoundModel): DraftOutcome {
  return clarify(
    `The files of ${versionText(b)} are gone from the model store, so it can neither score nor be evaluated. Which version should be used instead (${
      b.model.versions
        .filter((v) => v.filesExist)
        .map((v) => `v${v.version}`)
        .join(', ') || 'none has its files'
    })?`,
  );
}

/** "since Monday": the start of that day, as an ISO time (a scheduled check keeps its relative window). */
export function sinceOf(frame: IntentFrame, look: Lookups): string | undefined {
  if (!frame.sinceDay || frame.schedule) return undefined;
  return dayRange(frame.sinceDay, look.now())[0].toISOString();
}

/** "*\/15 * * * *" → "15m", "0 * * * *" → "1h": the window a scheduled check looks back over. */
export function scheduleWindow(cron: string | undefined): string | undefined {
  if (!cron) return undefined;
  const min = /^\*\/(\d+) \* \* \* \*$/.exec(cron)?.[1];
  if (min) return `${min}m`;
  const hours = /^0 (?:\*\/(\d+)|\*) \* \* \*$/.exec(cron);
  if (hours) return `${hours[1] ?? 1}h`;
  return undefined;
}
