/** Every built-in task, as registered by the CLI and the server. */

import type { AnyTask } from '../src/tasks/index.ts';
import { TaskRegistry } from '../src/tasks/index.ts';
import { aiTasks } from './ai/index.ts';
import { dataTasks } from './data/index.ts';
import { deploymentTasks } from './deployment/index.ts';
import { pythonScript } from './general/python-script.ts';
import { shellExec } from './general/shell-exec.ts';
import { monitoringTasks } from './monitoring/index.ts';
import { trainingTasks } from './training/index.ts';
import { triageTasks } from './triage/index.ts';

export const builtinTasks: AnyTask[] = [
  shellExec,
  pythonScript,
  ...dataTasks,
  ...trainingTasks,
  ...monitoringTasks,
  ...deploymentTasks,
  ...triageTasks,
  ...aiTasks,
];

export function builtinRegistry(): TaskRegistry {
  return new TaskRegistry(builtinTasks);
}
