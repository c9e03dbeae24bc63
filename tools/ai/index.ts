/** The AI stage: documents, chunks, embeddings, search indexes, LLM calls and their evaluations. */
import type { AnyTask } from '../../src/tasks/index.ts';
import { docsChunk } from './docs-chunk.ts';
import { docsLoad } from './docs-load.ts';
import { embedChunks } from './embed.ts';
import { evaluateLlm } from './evaluate-llm.ts';
import { evaluateRetrieval } from './evaluate-retrieval.ts';
import { indexLancedb } from './index-lancedb.ts';
import { indexRegister } from './index-register.ts';
import { llmCall } from './llm-call.ts';
import { monitorRetrieval } from './retrieval-drift.ts';

export { IndexRef } from './index-ref.ts';
export { isIndexRef, RegisteredIndexRef } from './index-register.ts';
export {
  docsChunk,
  docsLoad,
  embedChunks,
  evaluateLlm,
  evaluateRetrieval,
  indexLancedb,
  indexRegister,
  llmCall,
};

export const aiTasks: AnyTask[] = [
  docsLoad,
  docsChunk,
  embedChunks,
  indexLancedb,
  indexRegister,
  evaluateRetrieval,
  llmCall,
  evaluateLlm,
  monitorRetrieval,
];
