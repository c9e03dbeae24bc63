/** The AI stage: documents, chunks, embeddings, search indexes, LLM calls and their evaluations. */
import type { AnyTask } from '../../src/tasks/index.ts';
import { docsChunk } from './docs-chunk.ts';
import { docsLoad } from './docs-load.ts';
import { embedChunks } from './embed.ts';
import { indexLancedb } from './index-lancedb.ts';

export { IndexRef } from './index-ref.ts';
export { docsChunk, docsLoad, embedChunks, indexLancedb };

export const aiTasks: AnyTask[] = [docsLoad, docsChunk, embedChunks, indexLancedb];
