export * from './chat-model.ts';
export * from './prompts.ts';
