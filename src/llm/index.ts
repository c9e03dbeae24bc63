export * from './chat-model.ts';
export * from './llamacpp.ts';
export * from './prompts.ts';
