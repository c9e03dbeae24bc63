/** The training and evaluation stage: train, evaluate, batch-predict. */
import type { AnyTask } from '../../src/tasks/index.ts';
import { evaluateModel } from '../evaluate/model.ts';
import { predictBatch } from '../predict/batch.ts';
import { trainCommand } from '../train/command.ts';
import { trainTabular } from '../train/tabular.ts';

export { type LoadedModel, loadModel } from '../lib/model.ts';
export { evaluateModel, predictBatch, trainCommand, trainTabular };

export const trainingTasks: AnyTask[] = [trainTabular, trainCommand, evaluateModel, predictBatch];
