export * from './artifacts.ts';
export * from './migrations.ts';
export * from './run-store.ts';
export * from './types.ts';
