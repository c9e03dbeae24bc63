export * from './assemble.ts';
export * from './deps.ts';
export * from './gate.ts';
export * from './server.ts';
