export { BullmqDispatcher, type DispatcherOptions } from './dispatcher.ts';
export { detectGpus, parseNvidiaSmi, parseSimulatedGpus, selectGpus } from './gpus.ts';
export { liveWorkers } from './presence.ts';
export type { WorkerAdvert } from './protocol.ts';
export * from './resources.ts';
export { type RunningWorker, startWorker, type WorkerOptions } from './worker.ts';
