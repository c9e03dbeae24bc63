export * from './assemble.ts';
export * from './deps.ts';
export * from './gate.ts';
export * from './http.ts';
export * from './server.ts';
