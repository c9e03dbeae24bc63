export * from './compile.ts';
export * from './engine.ts';
export * from './step-runner.ts';
