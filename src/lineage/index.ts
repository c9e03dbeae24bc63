export * from './ask.ts';
export * from './attach.ts';
export * from './embeddings.ts';
export * from './memory.ts';
export * from './queries.ts';
export * from './recorder.ts';
export * from './refs.ts';
