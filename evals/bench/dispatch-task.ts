/** The no-op task of the dispatch benchmark, shared by the coordinator and its worker processes. */
import { z } from 'zod';
import { defineTask } from '../../src/tasks/index.ts';

export const benchNoop = defineTask({
  id: 'bench.noop',
  description: 'does nothing (dispatch benchmark)',
  input: z.object({ i: z.number().describe('index') }),
  output: z.object({ i: z.number().describe('index') }),
  run: async ({ i }) => ({ i }),
});
