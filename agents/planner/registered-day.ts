/**
 * "the version registered six days ago": the version of a model registered on that calendar day; "the one that
 * went live three days ago": the version production was pointed at on that day (the alias history dates it).
 */
import type { ModelFacts, ModelVersionFacts, WorkspaceFacts } from '../../src/lineage/resolve.ts';

type Look = WorkspaceFacts & { now(): Date };
type Picked = { version: number } | { question: string };

/** The local calendar day `days` before now: [start, end). */
function dayWindow(days: number, now: Date): { start: Date; end: Date; within(iso: string): boolean } {
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - days);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return {
    start,
    end,
    within: (iso) => {
      const t = new Date(iso).getTime();
      return t >= start.getTime() && t < end.getTime();
    },
  };
}

const daysWord = (days: number) => `${days} day${days === 1 ? '' : 's'} ago`;

/**
 * The version registered `days` calendar days before now (local time), or a question when none or several. A
 * version registered by a run is dated by that run's start.
 */
export function versionRegisteredDaysAgo(m: ModelFacts, days: number, look: Look): Picked {
  const runs = new Map(look.runs().map((r) => [r.id, r.createdAt]));
  const when = (v: ModelVersionFacts) => (v.runId ? runs.get(v.runId) : undefined) ?? v.createdAt;
  const day = dayWindow(days, look.now());
  const that = m.versions.filter((v) => day.within(when(v)));
  if (that.length === 1) return { version: (that[0] as { version: number }).version };
  const dated = m.versions
    .slice()
    .reverse()
    .map((v) => `v${v.version} (registered ${when(v).slice(0, 10)})`)
    .join(', ');
  return {
    question: `${that.length ? `Several versions of ${m.name} were` : `No version of ${m.name} was`} registered ${daysWord(days)} (${day.start.toISOString().slice(0, 10)}); its versions are ${dated}. Which version do you mean?`,
  };
}

/**
 * The version production was pointed at `days` calendar days before now (a promotion or a rollback), or a
 * question when it did not move that day or moved to several versions.
 */
export function versionDeployedDaysAgo(m: ModelFacts, days: number, look: Look): Picked {
  const day = dayWindow(days, look.now());
  const that = [...new Set(m.productionMoves.filter((mv) => day.within(mv.at)).map((mv) => mv.version))];
  if (that.length === 1) return { version: that[0] as number };
  const moves = m.productionMoves.length
    ? `production went to ${m.productionMoves.map((mv) => `v${mv.version} on ${mv.at.slice(0, 10)}`).join(', ')}`
    : `${m.name} has never been in production`;
  return {
    question: `${that.length ? `Production of ${m.name} moved to several versions` : `No version of ${m.name} went live`} ${daysWord(days)} (${day.start.toISOString().slice(0, 10)}); ${moves}. Which version do you mean?`,
  };
}
