/** What exists in the workspace, in a few lines for a drafting model. */
import type { PlannerDeps } from './graph-types.ts';

/** Registered models and the latest runs, in a few lines (the model may look up more with find_models / find_runs). */
export function workspaceText(deps: PlannerDeps): string {
  if (!deps.lookups) return 'not known (no look-ups)';
  const { look, close } = deps.lookups();
  try {
    const models = look.models().map((m) => {
      const v = m.versions[0];
      const aliases =
        Object.entries(m.aliases)
          .map(([a, n]) => `${a}=v${n}`)
          .join(', ') || 'no aliases';
      return `- model ${m.name}: versions ${m.versions
        .map((x) => x.version)
        .reverse()
        .join(
          ',',
        )}; ${aliases}; predicts ${v?.target ?? '?'}${v?.sources.length ? ` from ${v.sources.join(', ')}` : ''}`;
    });
    const runs = look
      .runs(5)
      .map(
        (r) =>
          `- run ${r.id} (${r.planName}) ${r.status} at ${r.createdAt}${r.error ? `: ${r.error.slice(0, 120)}` : ''}`,
      );
    return [...models, ...runs].join('\n') || 'nothing registered, no past runs';
  } catch {
    return 'not known (the look-ups failed)';
  } finally {
    close();
  }
}
