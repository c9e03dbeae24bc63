/**
 * "roll out cars-mpg": the parser reads a registry-style name written bare, with a deploy verb and nothing to
 * train from, as an existing model going out (promote). That holds only when a registered model has exactly that
 * name; otherwise the goal stays a pipeline that trains a model (and may find its data file from the words).
 */
import type { OpenLookups } from './lookups.ts';
import type { GoalSpec } from './offline/parse.ts';

export function promoteOnlyRegisteredNames(
  spec: GoalSpec,
  lookups: (() => OpenLookups) | undefined,
): GoalSpec {
  if (spec.operation !== 'promote') return spec;
  const refs = spec.refs.models;
  if (!refs.every((r) => r.exactOnly && !r.alias && r.version === undefined)) return spec;
  const opened = lookups?.();
  try {
    const names = new Set(opened?.look.models().map((m) => m.name.toLowerCase()) ?? []);
    return refs.some((r) => names.has(r.words[0]?.toLowerCase() ?? ''))
      ? spec
      : { ...spec, operation: 'pipeline' };
  } finally {
    opened?.close();
  }
}
