/** "the version registered six days ago": the version of a model registered on that calendar day. */
import type { ModelFacts, ModelVersionFacts, WorkspaceFacts } from '../../src/lineage/resolve.ts';

/**
 * The version registered `days` calendar days before now (local time), or a question when none or several. A
 * version registered by a run is dated by that run's start.
 */
export function versionRegisteredDaysAgo(
  m: ModelFacts,
  days: number,
  look: WorkspaceFacts & { now(): Date },
): { version: number } | { question: string } {
  const runs = new Map(look.runs().map((r) => [r.id, r.createdAt]));
  const when = (v: ModelVersionFacts) => (v.runId ? runs.get(v.runId) : undefined) ?? v.createdAt;
  const start = new Date(look.now());
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - days);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  const that = m.versions.filter((v) => {
    const t = new Date(when(v)).getTime();
    return t >= start.getTime() && t < end.getTime();
  });
  if (that.length === 1) return { version: (that[0] as { version: number }).version };
  const dated = m.versions
    .slice()
    .reverse()
    .map((v) => `v${v.version} (registered ${when(v).slice(0, 10)})`)
    .join(', ');
  return {
    question: `${that.length ? `Several versions of ${m.name} were` : `No version of ${m.name} was`} registered ${days} day${days === 1 ? '' : 's'} ago (${start.toISOString().slice(0, 10)}); its versions are ${dated}. Which version do you mean?`,
  };
}
