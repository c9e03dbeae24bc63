export * from './duration.ts';
export * from './expression.ts';
export * from './io.ts';
export * from './render.ts';
export * from './schema.ts';
export * from './validate.ts';
