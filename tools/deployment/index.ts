/**
 * The deployment stage: register models, deploy them behind HTTP (with canaries), roll them back. Serving
 * lives in src/server/models.ts.
 */
import type { AnyTask } from '../../src/tasks/index.ts';
import { deployHttp } from '../deploy/http.ts';
import { modelRollback } from '../deploy/rollback.ts';
import { registerModel } from '../register/model.ts';

export { deployHttp, modelRollback, registerModel };

export const deploymentTasks: AnyTask[] = [registerModel, deployHttp, modelRollback];
