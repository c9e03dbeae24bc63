export * from './attempt-processes.ts';
export * from './define.ts';
export * from './registry.ts';
export * from './run-task.ts';
export * from './workspace.ts';
