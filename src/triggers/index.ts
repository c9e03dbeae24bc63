export * from './bucket.ts';
export * from './routes.ts';
export * from './scheduler.ts';
export * from './schema.ts';
