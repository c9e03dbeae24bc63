export * from './artifacts.ts';
export * from './auth-store.ts';
export * from './lineage-store.ts';
export * from './migrations.ts';
export * from './model-registry.ts';
export * from './prediction-paths.ts';
export * from './run-store.ts';
export * from './types.ts';
