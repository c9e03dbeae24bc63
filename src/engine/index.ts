export * from './approval-evidence.ts';
export * from './compile.ts';
export * from './condition-explain.ts';
export * from './engine.ts';
export * from './step-runner.ts';
