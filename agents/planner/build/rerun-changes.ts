/**
 * Changes said beside a rerun, made on the run's own plan: parameters replaced ("with 100 trees instead of 25"),
 * a gate that replaces the run's own ("register it if accuracy is at least 0.9"), the alias the result is parked
 * on ("park it on staging"), no deploy ("don't deploy it"), a deploy the run did not have ("ship it this time"),
 * and a message when it is done ("ping slack"). Everything not said stays as the run had it.
 */
import type { Plan } from '../../../src/plan/index.ts';
import type { IntentFrame } from '../intent.ts';
import { saysNoDeploy, saysNoRegister } from '../offline/negations.ts';
import { approvalStep, notifyStep } from './steps.ts';

type TaskStep = Extract<Plan['steps'][number], { kind: 'task' }>;
const isTask = (s: Plan['steps'][number]): s is TaskStep => s.kind === 'task';
const METRIC_WHEN = /steps\.([\w-]+)\.outputs\.metrics\.\w+\s*(?:>=|>|<=|<)\s*[\d.]+/g;

/** "Horsepower instead of Horsepwr", "the real column is Horsepower" (the old name from the run's error). */
function renamesOf(goal: string, runError: string | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const m of goal.matchAll(
    /\b([A-Za-z_]\w*)\s+(?:instead\s+of|rather\s+than|in\s+place\s+of)\s+["'\x60]?([A-Za-z_]\w*)/gi,
  ))
    out.push([m[1] as string, m[2] as string]);
  const real =
    /\b(?:real|right|correct|actual|proper)\s+column(?:\s+name)?\s+is\s+["'\x60]?([A-Za-z_]\w*)|\bcolumn\s+is\s+(?:actually|really)\s+(?:called\s+)?["'\x60]?([A-Za-z_]\w*)/i.exec(
      goal,
    );
  const missing = runError ? /column\s+"([^"]+)"\s+does\s+not\s+exist/i.exec(runError)?.[1] : undefined;
  // "with the filter fixed to use Horsepower", "point the prep filter at Horsepower": the fixed column.
  const fixed =
    /\b(?:fixed|changed|corrected|switched|re-?pointed)\s+(?:to\s+(?:use\s+)?|at\s+)["'\x60]?([A-Za-z_]\w*)|\b(?:fix|change|correct|point|re-?point|switch)\s+(?:it|the\s+(?:prep\s+)?(?:filter|column))\s+(?:to\s+(?:use\s+)?|at\s+)["'\x60]?([A-Za-z_]\w*)/i.exec(
      goal,
    );
  const said = real ?? fixed;
  if (said && missing) out.push([(said[1] ?? said[2]) as string, missing]);
  return out;
}

/** Renames a column in every step input: quoted SQL identifiers and values that are exactly the name. */
export function renameColumn(plan: Plan, from: string, to: string): boolean {
  let hit = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v === from) {
        hit = true;
        return to;
      }
      if (!v.includes(`"${from}"`)) return v;
      hit = true;
      return v.replaceAll(`"${from}"`, `"${to}"`);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  for (const s of plan.steps) if (s.kind === 'task') s.with = walk(s.with) as typeof s.with;
  return hit;
}

export function applyRerunChanges(plan: Plan, frame: IntentFrame, notes: string[], runError?: string): void {
  for (const [to, from] of renamesOf(frame.goal, runError))
    if (from !== to && renameColumn(plan, from, to)) notes.push(`column ${from} is now ${to}, as asked`);
  const tasks = plan.steps.filter(isTask);
  const params = frame.params ?? {};
  if (Object.keys(params).length)
    for (const t of tasks.filter((s) => s.task.startsWith('train.'))) {
      t.with.params = { ...((t.with.params as Record<string, unknown> | undefined) ?? {}), ...params };
      notes.push(`${t.id} takes ${JSON.stringify(params)} instead of what the run used`);
    }
  const gate = frame.gate;
  if (gate?.kind === 'threshold') {
    const evaluate = tasks.filter((s) => s.task === 'evaluate.model').at(-1);
    const cond = (id: string) => `steps.${id}.outputs.metrics.${gate.metric} ${gate.op} ${gate.value}`;
    let replaced = false;
    for (const s of plan.steps)
      if (typeof s.when === 'string' && new RegExp(METRIC_WHEN.source).test(s.when)) {
        s.when = s.when.replace(METRIC_WHEN, (_all, id: string) => cond(id));
        replaced = true;
      }
    const register = tasks.find((s) => s.task === 'model.register');
    if (!replaced && evaluate && register) register.when = cond(evaluate.id);
    if (evaluate) notes.push(`the gate is now ${gate.metric} ${gate.op} ${gate.value}, as asked`);
  }
  // "it must not be registered before I look at the metrics": the run's register goes, with all that needs it.
  if (saysNoRegister(frame.goal)) {
    const gone = new Set(tasks.filter((s) => s.task === 'model.register').map((s) => s.id));
    for (let grew = gone.size > 0; grew; ) {
      grew = false;
      for (const s of plan.steps)
        if (!gone.has(s.id) && (s.dependsOn ?? []).some((d) => gone.has(d))) {
          gone.add(s.id);
          grew = true;
        }
    }
    if (gone.size) {
      plan.steps = plan.steps.filter((s) => !gone.has(s.id));
      notes.push('the run registered its model; this one does not, as asked');
    }
  }
  const register = plan.steps.find((s) => s.kind === 'task' && s.task === 'model.register') as
    | (typeof tasks)[number]
    | undefined;
  if (register && frame.registerAlias) {
    register.with.alias = frame.registerAlias;
    notes.push(`the new version goes to the ${frame.registerAlias} alias`);
  }
  // "park the new version on staging": a version put on another alias is not also deployed to production.
  const parked =
    !!register && !!frame.registerAlias && frame.registerAlias !== 'production' && !frame.wants.deploy;
  if (saysNoDeploy(frame.goal) || parked) {
    const deploys = new Set(tasks.filter((s) => s.task.startsWith('deploy.')).map((s) => s.id));
    // An approval that only guards a deploy goes with it.
    for (const s of plan.steps)
      if (
        s.kind === 'approval' &&
        plan.steps.some((d) => deploys.has(d.id) && (d.dependsOn ?? []).includes(s.id))
      )
        deploys.add(s.id);
    if (deploys.size) {
      plan.steps = plan.steps.filter((s) => !deploys.has(s.id));
      for (const s of plan.steps) if (s.dependsOn) s.dependsOn = s.dependsOn.filter((d) => !deploys.has(d));
      notes.push(
        parked
          ? `the run deployed; this one parks the new version on ${frame.registerAlias} instead`
          : 'the run deployed; this one does not, as asked',
      );
    }
  }
  addDeploy(plan, frame, notes);
  const last = plan.steps.at(-1)?.id;
  if (frame.notify && last && !plan.steps.some((s) => s.kind === 'task' && s.task.startsWith('notify.'))) {
    plan.inputs = plan.inputs ?? {};
    const n = notifyStep(frame, plan.inputs, last, {
      title: `pipewright: rerun of ${plan.name}`,
      text: 'The rerun finished.',
    });
    if (n) plan.steps.push(n as Plan['steps'][number]);
  }
}

/** "ship it this time": a deploy of the version the rerun registers, after an approval. */
function addDeploy(plan: Plan, frame: IntentFrame, notes: string[]): void {
  const tasks = plan.steps.filter(isTask);
  const register = tasks.find((s) => s.task === 'model.register');
  if (!frame.wants.deploy || saysNoDeploy(frame.goal) || !register) return;
  if (tasks.some((s) => s.task.startsWith('deploy.'))) return;
  const name = String(register.with.name);
  const gate = register.when;
  plan.steps.push(
    approvalStep(
      frame,
      'approve-deploy',
      [register.id],
      `Deploy the new ${name} version?`,
      gate,
    ) as Plan['steps'][number],
    {
      id: 'deploy',
      kind: 'task',
      task: 'deploy.http',
      dependsOn: ['approve-deploy'],
      with: {
        model: name,
        version: `\${{ steps.${register.id}.outputs.version }}`,
        reason: 'rerun, deployed as asked',
      },
      ...(gate ? { when: gate } : {}),
    } as Plan['steps'][number],
  );
  notes.push(`the run did not deploy; this one deploys the new ${name} version after approval, as asked`);
}
