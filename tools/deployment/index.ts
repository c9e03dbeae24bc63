/** The deployment stage: register models, deploy them behind HTTP. Serving lives in src/server/models.ts. */
import type { AnyTask } from '../../src/tasks/index.ts';
import { deployHttp } from '../deploy/http.ts';
import { registerModel } from '../register/model.ts';

export { deployHttp, registerModel };

export const deploymentTasks: AnyTask[] = [registerModel, deployHttp];
