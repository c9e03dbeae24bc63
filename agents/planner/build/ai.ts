/**
 * AI frames → plans. Indexing: docs.load → docs.chunk → embed.chunks → index.lancedb, then (when asked)
 * evaluate.retrieval on a question set, index.register behind a retrieval gate, an approval and deploy.http
 * (served at /indexes/<name>/search), and a notification when retrieval drops. A folder trigger re-reads the
 * folder; unchanged chunks come from the caches, so only changed files are re-embedded. LLM calls:
 * ingest.file or docs.load → llm.call (→ evaluate.llm with a judge). Query drift: monitor.retrieval.
 * References to the workspace are checked: a folder, question set or prompt that does not exist is a question.
 */
import type { AiIntent } from '../ai-intent.ts';
import type { IntentFrame } from '../intent.ts';
import { slug } from '../offline/words.ts';
import type { DraftOutcome } from '../types.ts';
import type { OperationContext } from './operations.ts';
import { approvalStep, notifyStep, out, planOf, type StepIn } from './steps.ts';

/** Where question sets usually live, when the goal mentions questions without a path. */
export const QUESTION_FILES = [
  'evals/questions.jsonl',
  'evals/questions.json',
  'evals/questions.csv',
  'eval/questions.jsonl',
  'questions.jsonl',
  'questions.json',
  'questions.csv',
  'examples/rag-questions.jsonl',
  'test/questions.jsonl',
  'tests/questions.jsonl',
];

/** The default retrieval level under which an alert without a number fires. */
export const DEFAULT_ALERT_BELOW = 0.8;

const clarify = (question: string): DraftOutcome => ({ kind: 'clarify', question, about: 'other' });

/** The folder part of a path or glob ("docs/**\/*.md" → "docs"). */
const staticBase = (p: string) =>
  p
    .split('/')
    .filter((s) => s && !/[*{?[]/.test(s))
    .join('/') || '.';

export function buildAi(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const ai = frame.ai as AiIntent;
  if (ai.task === 'monitor') return buildQueryDrift(frame, ai);
  if (ai.task === 'llm') return buildLlm(frame, ai, ctx);
  return buildIndex(frame, ai, ctx);
}

function missingFolder(ai: AiIntent, ctx: OperationContext): DraftOutcome | undefined {
  const docs = ai.docs ?? 'docs';
  const base = staticBase(docs);
  if (ctx.exists(base)) return undefined;
  return clarify(
    ai.docsNamed
      ? `The folder "${base}" does not exist in the workspace. Which folder (or glob, e.g. docs/**/*.md) holds the documents?`
      : 'Which folder of documents should be used? Name it, e.g. "docs/" or "docs/**/*.md" (paths are relative to the workspace).',
  );
}

function buildIndex(frame: IntentFrame, ai: AiIntent, ctx: OperationContext): DraftOutcome {
  const missing = missingFolder(ai, ctx);
  if (missing) return missing;
  const docs = ai.docs ?? 'docs';
  const name = slug(ai.index ?? staticBase(docs).split('/').pop() ?? 'docs', 64) || 'docs';
  const notes: string[] = [];
  let questions = ai.questions;
  if (ai.evaluate) {
    if (questions && !ctx.exists(questions))
      return clarify(
        `The question set "${questions}" does not exist in the workspace. Which file holds the test questions (JSONL, JSON or CSV with "question" and "expected" source paths)?`,
      );
    if (!questions) {
      const found = QUESTION_FILES.filter((f) => ctx.exists(f));
      if (found.length !== 1)
        return clarify(
          found.length
            ? `Which question set should the retrieval eval use: ${found.join(' or ')}?`
            : 'Which file holds the test questions? Write them as JSONL, one {"question": "...", "expected": ["docs/engine.md"]} per line (e.g. evals/questions.jsonl), and name it.',
        );
      questions = found[0] as string;
      notes.push(`the question set is ${questions}, the one question file in the workspace`);
    }
  }
  const k = ai.k ?? 5;
  const inputs: Record<string, unknown> = {};
  const steps: StepIn[] = [
    {
      id: 'load',
      task: 'docs.load',
      with: { path: docs, ...(ai.formats ? { formats: ai.formats } : {}), name: `${name}-docs` },
    },
    {
      id: 'chunk',
      task: 'docs.chunk',
      dependsOn: ['load'],
      with: { documents: out('load', 'dataset'), ...ai.chunk },
    },
    {
      id: 'embed',
      task: 'embed.chunks',
      dependsOn: ['chunk'],
      with: { chunks: out('chunk', 'dataset'), ...(ai.embeddings ? { provider: ai.embeddings } : {}) },
    },
    {
      id: 'index',
      task: 'index.lancedb',
      dependsOn: ['embed'],
      with: { embeddings: out('embed', 'dataset'), name },
    },
  ];
  let last = 'index';
  if (ai.evaluate && questions) {
    steps.push({
      id: 'evaluate',
      task: 'evaluate.retrieval',
      dependsOn: ['index'],
      with: { index: out('index', 'index'), questions, k },
    });
    last = 'evaluate';
  }
  const gateWhen =
    ai.gate && ai.evaluate
      ? `steps.evaluate.outputs.metrics.${ai.gate.metric} ${ai.gate.op} ${ai.gate.value}`
      : undefined;
  if (ai.gate && !ai.evaluate) notes.push('the gate needs a retrieval eval; none was planned');
  if (ai.register || ai.serve) {
    steps.push({
      id: 'register',
      task: 'index.register',
      dependsOn: [last],
      ...(gateWhen ? { when: gateWhen } : {}),
      with: {
        index: out('index', 'index'),
        ...(ai.evaluate ? { metrics: out('evaluate', 'metrics') } : {}),
        ...(ai.serve ? {} : { alias: 'staging' }),
      },
    });
    if (ai.serve) {
      steps.push(
        approvalStep(
          frame,
          'approve',
          ['register'],
          `Serve the new version of the "${name}" index at /indexes/${name}/search${ai.gate ? ` (${ai.gate.metric} ${ai.gate.op} ${ai.gate.value})` : ''}?`,
          gateWhen,
        ),
        {
          id: 'deploy',
          task: 'deploy.http',
          dependsOn: ['approve'],
          ...(gateWhen ? { when: gateWhen } : {}),
          with: { model: name, version: out('register', 'version'), reason: 'new index version' },
        },
      );
    }
  }
  // Retrieval alerts: a notification when the metric falls below the level (default 0.8 when none was said).
  if (ai.alert || frame.notify) {
    const metric = ai.alert?.metric ?? ai.gate?.metric ?? 'recall';
    const below = ai.alert?.below ?? DEFAULT_ALERT_BELOW;
    if (ai.alert && ai.alert.below === undefined)
      notes.push(`no level was given for the ${metric} alert; it fires below ${DEFAULT_ALERT_BELOW}`);
    const n = notifyStep(
      frame.notify ? frame : { ...frame, notify: { channel: 'console', asked: 'alert' } },
      inputs,
      ai.evaluate ? 'evaluate' : 'index',
      ai.evaluate
        ? {
            title: `pipewright: retrieval of the ${name} index dropped`,
            text: `${metric}@${k} of ${out('evaluate', 'index')} is ${out('evaluate', `metrics.${metric}`)}, below ${below} (${out('evaluate', 'metrics.questions')} questions)`,
            severity: 'warning',
          }
        : { title: `pipewright: ${name} index`, text: `Index ${out('index', 'index.version')} is built` },
    );
    if (n)
      steps.push(
        ai.evaluate && ai.alert ? { ...n, when: `steps.evaluate.outputs.metrics.${metric} < ${below}` } : n,
      );
  }
  let f = frame;
  if (ai.onChange) {
    f = { ...frame, event: 'file.arrived' };
    inputs.file = {
      type: 'string',
      default: '',
      description: 'The file that changed (set by the folder trigger); the whole folder is read again',
    };
    notes.push(
      `re-indexing on change: \`pipewright scheduler add <plan> --watch ${staticBase(docs)} --input file\`; unchanged chunks come from the caches, so only changed files are re-embedded`,
    );
  }
  const parts = [`index of ${docs} as "${name}"`];
  if (ai.evaluate) parts.push(`retrieval eval on ${questions} (k=${k})`);
  if (ai.gate) parts.push(`gate ${ai.gate.metric} ${ai.gate.op} ${ai.gate.value}`);
  if (ai.serve) parts.push('served after approval');
  if (frame.schedule) parts.push(`schedule ${frame.schedule.cron}`);
  if (ai.onChange) parts.push('re-indexed when the folder changes');
  return {
    kind: 'plan',
    plan: planOf(f, slug(`${name}-rag`, 80), `Planned offline: ${parts.join('; ')}`, steps, inputs, notes, {
      index: name,
    }),
    notes,
  };
}

function buildLlm(frame: IntentFrame, ai: AiIntent, ctx: OperationContext): DraftOutcome {
  if (!ai.prompt)
    return clarify(
      'Which prompt file should the LLM use? Write it as prompts/<name>.md with front matter (id, version, variables) and name it.',
    );
  if (!ctx.exists(ai.prompt))
    return clarify(
      `The prompt file "${ai.prompt}" does not exist in the workspace. Which prompt should the LLM use?`,
    );
  const notes = [
    'llm.call needs a chat model: set PIPEWRIGHT_LLM_PROVIDER (openai or ollama) and its model before running',
  ];
  const steps: StepIn[] = [];
  if (ai.rows) {
    if (!ctx.exists(ai.rows))
      return clarify(
        `The file "${ai.rows}" does not exist in the workspace. Which data should the LLM read?`,
      );
    steps.push({ id: 'load', task: 'ingest.file', with: { path: ai.rows } });
  } else {
    const missing = missingFolder(ai, ctx);
    if (missing) return missing;
    steps.push({
      id: 'load',
      task: 'docs.load',
      with: { path: ai.docs ?? 'docs', ...(ai.formats ? { formats: ai.formats } : {}) },
    });
  }
  steps.push({
    id: 'llm',
    task: 'llm.call',
    dependsOn: ['load'],
    with: { prompt: ai.prompt, rows: out('load', 'dataset') },
  });
  if (ai.judge) {
    const criteria =
      ai.criteria ??
      `The answer does what the prompt ${ai.prompt} asks, correctly and without making things up.`;
    steps.push({
      id: 'check',
      task: 'evaluate.llm',
      dependsOn: ['llm'],
      with: { data: out('llm', 'dataset'), checks: [{ type: 'judge', criteria }] },
    });
  }
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, steps.at(-1)?.id as string, {
    title: 'pipewright: LLM run finished',
    text: `${out('llm', 'metrics.calls')} answers, ${out('llm', 'metrics.total_tokens')} tokens`,
  });
  if (n) steps.push(n);
  const source = ai.rows ?? ai.docs ?? 'docs';
  const name = slug(`${(ai.prompt.split('/').pop() ?? 'llm').replace(/\.md$/i, '')}-llm`, 80);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      name,
      `Planned offline: ${ai.prompt} over ${source}${ai.judge ? ', answers judged' : ''}`,
      steps,
      inputs,
      notes,
    ),
    notes,
  };
}

function buildQueryDrift(frame: IntentFrame, ai: AiIntent): DraftOutcome {
  const name = slug(ai.index ?? 'docs', 64) || 'docs';
  const inputs: Record<string, unknown> = {};
  const steps: StepIn[] = [{ id: 'drift', task: 'monitor.retrieval', with: { index: name } }];
  const n = notifyStep(frame, inputs, 'drift', {
    title: `pipewright: search traffic of the ${name} index`,
    text: out('drift', 'summary'),
    severity: 'warning',
  });
  if (n) steps.push({ ...n, when: 'steps.drift.outputs.drifted == true' });
  const notes = [`monitor.retrieval reads the searches logged for /indexes/${name}/search`];
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${name}-query-drift`, 80),
      `Planned offline: query and embedding drift of the "${name}" index`,
      steps,
      inputs,
      notes,
    ),
    notes,
  };
}
