/** The triage stage: applying approved drift-triage proposals. */
import type { AnyTask } from '../../src/tasks/index.ts';
import { triageApply } from './apply.ts';

export { triageApply };

export const triageTasks: AnyTask[] = [triageApply];
