/**
 * The API's lineage, production, memory and ask routes (route records): what `pipewright lineage`,
 * `pipewright ask` and `pipewright memory search` answer, from the server's state.
 */
import type { Config } from '../config.ts';
import { ask, renderTree, searchMemory, walkLineage, whatIsInProduction } from '../lineage/index.ts';
import type { RunStore } from '../store/index.ts';
import { type AnyRoute, defineRoute } from './route.ts';
import {
  AskBody,
  AskResult,
  LineageQuery,
  LineageWalkView,
  MemorySearchQuery,
  MemorySearchResult,
  ProductionView,
} from './schemas-lineage.ts';

export function lineageRecords(opts: { store: RunStore; config: Config }): AnyRoute[] {
  const { store, config } = opts;
  return [
    defineRoute({
      method: 'get',
      path: '/api/lineage/:entity',
      summary: 'Lineage of an entity (run-…, dataset:…, model:…, deployment:…): upstream or downstream',
      tag: 'lineage',
      role: 'viewer',
      query: LineageQuery,
      response: { description: 'The walk', schema: LineageWalkView },
      errors: ['LINEAGE_NOT_FOUND', 'LINEAGE_AMBIGUOUS'],
      handler: (_c, { params, query }) => {
        const walk = walkLineage(store, params.entity, query.direction, query.depth);
        return { ...walk, tree: renderTree(walk) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/production',
      summary: 'What is in production and how it got there (data, runs, approvals)',
      tag: 'lineage',
      role: 'viewer',
      response: { description: 'Every model with a production alias', schema: ProductionView },
      errors: [],
      handler: () => ({ production: whatIsInProduction(store) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/memory/search',
      summary: 'Search run memory (hybrid); no memory yet gives no hits',
      tag: 'lineage',
      role: 'viewer',
      query: MemorySearchQuery,
      response: { description: 'Hits, best first', schema: MemorySearchResult },
      errors: ['MEMORY_FILTER_INVALID'],
      handler: async (_c, { query }) => {
        const hits = await searchMemory(config, query.q, {
          limit: query.limit,
          ...(query.status ? { filter: { status: query.status } } : {}),
        });
        return { query: query.q, hits };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/ask',
      summary: 'Ask a question; the answer cites run, model, dataset, deployment and approval ids',
      tag: 'lineage',
      role: 'viewer',
      body: AskBody,
      response: { description: 'The answer with its citations', schema: AskResult },
      errors: [],
      handler: async (_c, { body }) => ask(store, config, body.question),
    }),
  ];
}
