/**
 * The AI goal set (ai.jsonl): its workspace (a docs/ folder of Markdown and HTML, manuals/ with HTML and PDF,
 * one question set, prompt files, a tickets table, the vega data files) and the properties its plans are
 * checked for beyond the common ones (the `ai` expectation: documents path and formats, chunking,
 * embeddings provider, index name, question set and k, folder trigger, prompt file, judge).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Plan } from '../../src/plan/index.ts';

export const AiExpect = z
  .object({
    docs: z.string().optional(),
    formats: z.array(z.string()).optional(),
    chunk: z
      .object({
        strategy: z.string().optional(),
        unit: z.string().optional(),
        size: z.number().optional(),
        overlap: z.number().optional(),
      })
      .strict()
      .optional(),
    embeddings: z.string().optional(),
    index: z.string().optional(),
    questions: z.string().optional(),
    k: z.number().optional(),
    event: z.string().optional(),
    prompt: z.string().optional(),
    judge: z.boolean().optional(),
  })
  .strict();
export type AiExpect = z.infer<typeof AiExpect>;

/** A workspace for the AI set, on top of the data files the harness copies. */
export function writeAiWorkspace(dir: string): void {
  const write = (rel: string, text: string) => {
    const f = path.join(dir, rel);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, text);
  };
  write('docs/guide.md', '# Guide\n\n## Approvals\n\nApprovals time out after 24h.\n');
  write('docs/engine.md', '# Engine\n\n## Cache\n\nThe cache key hashes the task and its input.\n');
  write(
    'docs/web/index.html',
    '<html><head><title>Web</title></head><body><h1>Web</h1><p>The chat page.</p></body></html>',
  );
  write('manuals/install.html', '<html><body><h1>Install</h1><p>Run the installer.</p></body></html>');
  write('manuals/README.txt', 'Manuals of the appliance.');
  write(
    'evals/questions.jsonl',
    `${JSON.stringify({ question: 'When do approvals time out?', expected: ['docs/guide.md'] })}\n`,
  );
  write('prompts/summary.md', '---\nid: summary\nversion: 1\nvariables: [text]\n---\nSummarise:\n{{text}}\n');
  write('prompts/triage.md', '---\nid: triage\nversion: 1\nvariables: [text]\n---\nClassify:\n{{text}}\n');
  write('data/tickets.csv', 'id,text,category\n1,"cannot log in",account\n2,"refund please",billing\n');
}

type TaskStep = Extract<Plan['steps'][number], { kind: 'task' }>;
const task = (plan: Plan, id: string) =>
  plan.steps.find((s): s is TaskStep => s.kind === 'task' && s.task === id);

/** Checks the `ai` expectation; returns how many properties were checked and the failures. */
export function checkAi(e: AiExpect, plan: Plan): { total: number; failures: string[] } {
  const failures: string[] = [];
  let total = 0;
  const check = (name: string, ok: boolean, got: unknown) => {
    total++;
    if (!ok) failures.push(`${name}: got ${JSON.stringify(got)}`);
  };
  const load = task(plan, 'docs.load');
  const chunk = task(plan, 'docs.chunk');
  const embed = task(plan, 'embed.chunks');
  const index = task(plan, 'index.lancedb');
  const evaluate = task(plan, 'evaluate.retrieval');
  const llm = task(plan, 'llm.call');
  const monitor = task(plan, 'monitor.retrieval');
  if (e.docs !== undefined) check('ai.docs', load?.with.path === e.docs, load?.with.path);
  if (e.formats) {
    const got = (load?.with.formats as string[] | undefined) ?? [];
    check('ai.formats', got.length === e.formats.length && e.formats.every((f) => got.includes(f)), got);
  }
  if (e.chunk)
    for (const [k, v] of Object.entries(e.chunk))
      check(`ai.chunk.${k}`, chunk?.with[k] === v, chunk?.with[k]);
  if (e.embeddings) check('ai.embeddings', embed?.with.provider === e.embeddings, embed?.with.provider);
  if (e.index) {
    const name = index?.with.name ?? monitor?.with.index;
    check('ai.index', name === e.index, name);
  }
  if (e.questions) check('ai.questions', evaluate?.with.questions === e.questions, evaluate?.with.questions);
  if (e.k !== undefined) check('ai.k', evaluate?.with.k === e.k, evaluate?.with.k);
  if (e.event) check('ai.event', plan.trigger?.event === e.event, plan.trigger);
  if (e.prompt) check('ai.prompt', llm?.with.prompt === e.prompt, llm?.with.prompt);
  if (e.judge !== undefined) {
    const checks = (task(plan, 'evaluate.llm')?.with.checks as { type: string }[] | undefined) ?? [];
    check('ai.judge', checks.some((c) => c.type === 'judge') === e.judge, checks);
  }
  return { total, failures };
}
