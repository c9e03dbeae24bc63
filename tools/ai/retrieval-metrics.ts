/**
 * Retrieval metrics over a question set, by source document: for each question, the top-k chunks' sources
 * (first occurrence kept) against its expected sources.
 * - hit rate: share of questions with at least one expected source in the top k;
 * - recall@k: mean share of each question's expected sources found in the top k;
 * - MRR: mean of 1 / rank of the first chunk from an expected source (0 when none in the top k);
 * - precision@k: mean share of the top-k chunks that come from an expected source.
 * An expected source matches a retrieved path when equal, or when the path ends with "/" + it
 * ("engine.md" matches "docs/engine.md").
 */

export interface QuestionResult {
  id: string;
  question: string;
  expected: string[];
  retrieved: string[];
  hit: boolean;
  recall: number;
  reciprocalRank: number;
  precision: number;
  /** 1-based rank of the first relevant chunk, or null. */
  firstRank: number | null;
}

export interface RetrievalMetrics {
  hit_rate: number;
  recall: number;
  mrr: number;
  precision: number;
  questions: number;
  k: number;
}

export const sourceMatches = (retrieved: string, expected: string) =>
  retrieved === expected || retrieved.endsWith(`/${expected.replace(/^\.?\//, '')}`);

export function scoreQuestion(
  q: { id: string; question: string; expected: string[] },
  sources: string[],
  k: number,
): QuestionResult {
  const top = sources.slice(0, k);
  const relevant = (s: string) => q.expected.some((e) => sourceMatches(s, e));
  const firstIdx = top.findIndex(relevant);
  const found = q.expected.filter((e) => top.some((s) => sourceMatches(s, e)));
  return {
    id: q.id,
    question: q.question,
    expected: q.expected,
    retrieved: [...new Set(top)],
    hit: firstIdx !== -1,
    recall: found.length / q.expected.length,
    reciprocalRank: firstIdx === -1 ? 0 : 1 / (firstIdx + 1),
    precision: top.length ? top.filter(relevant).length / k : 0,
    firstRank: firstIdx === -1 ? null : firstIdx + 1,
  };
}

export function aggregate(results: QuestionResult[], k: number): RetrievalMetrics {
  const n = results.length || 1;
  const mean = (f: (r: QuestionResult) => number) => results.reduce((a, r) => a + f(r), 0) / n;
  return {
    hit_rate: mean((r) => (r.hit ? 1 : 0)),
    recall: mean((r) => r.recall),
    mrr: mean((r) => r.reciprocalRank),
    precision: mean((r) => r.precision),
    questions: results.length,
    k,
  };
}
