export * from './approvals.ts';
export * from './egress.ts';
export * from './guard.ts';
export * from './load.ts';
export * from './redaction.ts';
export * from './schema.ts';
