/**
 * The grammar of goals about documents, search indexes and LLM calls ("chunk the markdown files in docs/,
 * embed them and build a search index, then check that the top 5 results answer our test questions",
 * "summarise every document in docs/ with the LLM using prompts/summary.md", "watch the docs index for query
 * drift"). It reads kinds of phrases — what is indexed, how it is chunked and embedded, the question set and
 * k, a retrieval gate or alert, serving, a folder trigger, a prompt file, a judge — into an AiIntent; goals
 * with none of its cues are left to the tabular grammars (undefined).
 */
import type { AiIntent } from '../ai-intent.ts';
import { COUNT_WORD, countOf } from './words.ts';

const INDEX_CUES =
  /\b(?:rag|retrieval|retriev(?:e|es|ed|ing)|search (?:index|indexes|api|results?)|vector (?:index|store|search|db|database)|semantic search|embed(?:s|ded|ding|dings)?|chunk(?:s|ed|ing)?|re-?index(?:es|ed|ing)?|knowledge base|index(?:es|ing)?\s+(?:the\s+|our\s+|my\s+|all\s+|every\s+)?(?:[\w-]+\s+){0,2}?(?:docs?|documents?|documentation|markdown|notes|pages|files|wiki|manuals?|pdfs?|html|folder)|(?:build|create|make|keep)\s+(?:a|an|the)?\s*(?:[\w-]+\s+){0,2}?index)\b/i;
// Not inside a name: "penguins-llm" is a model name, not an LLM.
const LLM_CUES =
  /(?<![\w-])(?:llms?|gpt[-\w.]*|language model|chat model|claude|llama[\w.-]*|mistral|llm-as-a?-?judge)(?![\w-])|\bprompts\/[\w./-]+\.md\b/i;
const QUERY_DRIFT = /\b(?:query|queries|search|embedding|question)\s+drift\b|\bdrift\w*\b/i;
const BUILDS = /\b(?:chunk\w*|embed\w*|build|create|re-?index\w*|make)\b/i;

const PATH_TOKEN =
  /(?:^|[\s(,'"`])((?:\.\/)?[\w.-]+(?:\/[\w.*{},-]*)+|[\w.-]+\.(?:jsonl|ndjson|json|csv|tsv|parquet|md))(?=$|[\s,;:)'"`]|\.(?:\s|$))/g;
const FILE_EXT = /\.(?:jsonl|ndjson|json|csv|tsv|parquet|md|markdown|txt|html?|pdf|ya?ml)$/i;
const DATA_EXT = /\.(?:jsonl|ndjson|json|csv|tsv|parquet)$/i;

/** Path-like tokens of the goal: folders ("docs/"), globs ("docs/**\/*.md") and files ("evals/q.jsonl"). */
function pathTokens(text: string): string[] {
  return [...text.matchAll(PATH_TOKEN)].map((m) =>
    (m[1] as string).replace(/^\.\//, '').replace(/[,;:.]+$/, ''),
  );
}

const METRIC: [RegExp, NonNullable<AiIntent['gate']>['metric']][] = [
  [/^recall/i, 'recall'],
  [/^hit[- ]?rate/i, 'hit_rate'],
  [/^mrr|^mean reciprocal rank/i, 'mrr'],
  [/^precision/i, 'precision'],
];
const METRIC_PHRASE = /\b(recall(?:@\d+)?|hit[- ]?rate|mrr|mean reciprocal rank|precision(?:@\d+)?)\b/gi;
const NUMBER = /(\d+(?:\.\d+)?)\s*(%|percent)?/;

function thresholdNear(rest: string): { op: '>=' | '>' | '<=' | '<'; value: number } | undefined {
  const m =
    /^\W{0,3}(?:(?:is|stays?|remains?|must be|should be|of|reaches|hits)\s+)?(at least|>=|no less than|not below|above|over|greater than|more than|>|at most|<=|no more than|below|under|less than|<|drops?\s+(?:below|under)|falls?\s+(?:below|under)|dips?\s+(?:below|under)|goes\s+(?:below|under))\s*/i.exec(
      rest,
    );
  if (!m) return undefined;
  const n = NUMBER.exec(rest.slice(m[0].length, m[0].length + 20));
  if (n?.index !== 0) return undefined;
  let value = Number(n[1]);
  if (n[2] || value > 1) value /= 100;
  const w = (m[1] as string).toLowerCase();
  const op = /at least|>=|no less|not below/.test(w)
    ? '>='
    : /above|over|greater|more than|^>$/.test(w)
      ? '>'
      : /at most|<=|no more/.test(w)
        ? '<='
        : '<';
  return { op, value };
}

export function parseAi(goal: string): AiIntent | undefined {
  const text = goal.replace(/\s+/g, ' ').trim();
  const indexCue = INDEX_CUES.test(text);
  const llmCue = LLM_CUES.test(text);
  if (!indexCue && !llmCue) return undefined;
  const task: AiIntent['task'] =
    indexCue && QUERY_DRIFT.test(text) && !BUILDS.test(text.replace(/\bsearch index\b/gi, ''))
      ? 'monitor'
      : llmCue &&
          !/\b(?:rag|search index|vector|embed\w*|chunk\w*|re-?index\w*|semantic search)\b/i.test(text)
        ? 'llm'
        : indexCue
          ? 'index'
          : 'llm';

  const tokens = pathTokens(text);
  const folders = tokens.filter((t) => t.includes('*') || t.endsWith('/') || !FILE_EXT.test(t));
  const files = tokens.filter((t) => !t.includes('*') && FILE_EXT.test(t));
  const prompt = files.find((f) => /\.md$/i.test(f) && (/^prompts\//.test(f) || /\bprompt/i.test(text)));
  const dataFiles = files.filter((f) => DATA_EXT.test(f));
  const folder = folders[0]?.replace(/\/+$/, '');
  let docs = folder;
  if (!docs && task !== 'llm' && /\b(?:docs|documentation|documents|markdown|notes)\b/i.test(text))
    docs = 'docs';
  if (!docs && task === 'index') docs = 'docs';
  if (!docs && task === 'llm' && dataFiles.length === 0 && /\bdoc(?:s|uments?|umentation)\b/i.test(text))
    docs = 'docs';

  const formats = new Set<NonNullable<AiIntent['formats']>[number]>();
  if (!docs?.includes('*')) {
    if (/\bmarkdown\b|\.md\b/i.test(text)) formats.add('markdown');
    if (/\bhtml\b|\bweb pages?\b/i.test(text)) formats.add('html');
    if (/\bpdfs?\b/i.test(text)) formats.add('pdf');
    if (/\b(?:plain )?text files\b|\.txt\b/i.test(text)) formats.add('text');
  }

  const chunk: AiIntent['chunk'] = {};
  const size =
    /(\d[\d,]*)[- ]?(tokens?|characters?|chars?)[- ](?:long\s+)?(?:chunks?|windows?|pieces?|passages?)/i.exec(
      text,
    ) ?? /\bchunks?\s+(?:of|size(?: of)?|sized)\s+(\d[\d,]*)\s*(tokens?|characters?|chars?)?/i.exec(text);
  if (size) {
    chunk.size = Number((size[1] as string).replace(/,/g, ''));
    if (size[2]) chunk.unit = /^tok/i.test(size[2]) ? 'tokens' : 'characters';
  }
  const overlap =
    /(\d[\d,]*)\s*(tokens?|characters?|chars?)?\s+(?:of\s+)?overlap/i.exec(text) ??
    /\boverlap(?:ping)?\s+(?:of\s+|by\s+)?(\d[\d,]*)\s*(tokens?|characters?|chars?)?/i.exec(text);
  if (overlap) {
    chunk.overlap = Number((overlap[1] as string).replace(/,/g, ''));
    if (overlap[2] && !chunk.unit) chunk.unit = /^tok/i.test(overlap[2]) ? 'tokens' : 'characters';
  }
  if (/\b(?:by|at|per|on)\s+(?:markdown\s+)?(?:headings?|headers?|sections?)\b/i.test(text))
    chunk.strategy = 'headings';
  else if (/\bfixed[- ](?:size|length|windows?)\b|\bsliding windows?\b/i.test(text)) chunk.strategy = 'fixed';

  const embeddings = /\bopenai\b/i.test(text)
    ? 'openai'
    : /\bollama\b/i.test(text)
      ? 'ollama'
      : /\blexical\b/i.test(text)
        ? 'lexical'
        : undefined;

  const named =
    /\b(?:index|store|call|name)\s+(?:it|them|this|the index)?\s*(?:as|called|named)\s+["'`]?([a-z0-9][\w.-]*)/i.exec(
      text,
    )?.[1] ??
    /\b(?:index|indexes)\s+(?:called|named)\s+["'`]?([a-z0-9][\w.-]*)/i.exec(text)?.[1] ??
    /\bthe\s+([a-z0-9][\w.-]*)\s+(?:search\s+|vector\s+|rag\s+)?index\b/i.exec(text)?.[1];
  const base = docs?.split('/').filter((p) => p && !/[*{]/.test(p))[0];
  const index = (named && !/^(?:search|vector|new|whole|same)$/i.test(named) ? named : undefined) ?? base;

  // Metrics with thresholds: gates ("register if hit rate is at least 0.9") and alerts ("alert when recall drops below 0.8").
  let gate: AiIntent['gate'];
  let alert: AiIntent['alert'];
  let k: number | undefined;
  const alerting = /\b(?:alert|notify|tell|warn|ping|page|slack|message)\w*\b/i.test(text);
  for (const m of text.matchAll(METRIC_PHRASE)) {
    const phrase = m[1] as string;
    const metric = METRIC.find(([re]) => re.test(phrase))?.[1];
    if (!metric) continue;
    const at = /@(\d+)/.exec(phrase);
    if (at) k = Number(at[1]);
    const t = thresholdNear(text.slice((m.index ?? 0) + phrase.length));
    const drops = /^\W{0,3}(?:\w+\s+){0,2}(?:drops?|falls?|dips?|degrades?|gets? worse|regress\w*)\b/i.test(
      text.slice((m.index ?? 0) + phrase.length),
    );
    if (t && (t.op === '<' || t.op === '<=') && (alerting || drops)) alert = { metric, below: t.value };
    else if (t) gate = { metric, ...t };
    else if (drops && alerting) alert = { metric };
  }
  // "top 3", "top-five", "k=10", "the first four hits" ("the top one" is the best, not k; ordinals are no k).
  const top = new RegExp(
    String.raw`\btop[- ]?(\d+|${COUNT_WORD})\b|\bk\s*=\s*(\d+)\b|\bfirst (\d+|${COUNT_WORD}) (?:results|hits|chunks|passages|documents|docs)\b`,
    'i',
  ).exec(text);
  const said = top?.[1] ?? top?.[2] ?? top?.[3];
  if (said && !/^(?:one|\w+(?:st|nd|rd|th))$/i.test(said)) k = countOf(said);
  const questionsFile = task === 'llm' ? undefined : dataFiles.find((f) => f !== docs);
  const evaluate =
    task === 'index' &&
    (!!questionsFile ||
      !!gate ||
      !!alert ||
      !!said ||
      /\b(?:questions?|retrieval (?:quality|eval\w*)|(?:check|test|measure|score)\w*\s+(?:the\s+)?retrieval|evaluat\w*|recall|hit[- ]?rate|mrr|top[- ]?\d+|answer (?:our|the)\b|eval\b)/i.test(
        text,
      ));
  const serve =
    /\bserv(?:e|es|ed|ing)\b|\bdeploy\w*\b|\bbehind an? (?:http |rest )?(?:api|endpoint)\b|\bsearch (?:api|endpoint)\b|\bgo live\b|\b(?:in|to|into) production\b/i.test(
      text,
    );
  const register = serve || /\bregist\w*\b|\bpublish\w*\b/i.test(text) || !!gate;
  const onChange =
    /\bwhen(?:ever)?\b[^.;]*?\b(?:change[sd]?|is updated|are updated|is edited|are edited|lands?|arrives?|(?:is|are) added|(?:is|are) saved)\b|\bon (?:a |every |each )?(?:change|folder trigger|file change)s?\b|\bkeep\b[^.;]*\bfresh\b|\bonly (?:the )?changed (?:files|docs|documents)\b/i.test(
      text,
    );
  const judge = /\bjudge\w*\b|\bgrade (?:the |each |every )?answers?\b/i.test(text);
  const criteria = /\bcriteria:?\s+["']?([^"'.]+)/i.exec(text)?.[1]?.trim();

  return {
    task,
    ...(docs ? { docs } : {}),
    docsNamed: folder !== undefined,
    ...(task === 'llm' && dataFiles[0] ? { rows: dataFiles[0] } : {}),
    ...(formats.size ? { formats: [...formats] } : {}),
    chunk,
    ...(embeddings ? { embeddings } : {}),
    ...(index ? { index } : {}),
    evaluate,
    ...(questionsFile ? { questions: questionsFile } : {}),
    ...(k !== undefined ? { k } : {}),
    ...(gate ? { gate } : {}),
    ...(alert ? { alert } : {}),
    register: task === 'index' && register,
    serve: task === 'index' && serve,
    onChange: task === 'index' && onChange,
    ...(prompt ? { prompt } : {}),
    judge,
    ...(criteria ? { criteria } : {}),
  };
}

/**
 * An answer to a question about an AI plan (which folder, which question set, which prompt): the paths it
 * names fill those pieces; anything else is read with the goal, later words winning.
 */
export function answerAi(ai: AiIntent, goal: string, answer: string): AiIntent {
  const tokens = pathTokens(` ${answer.trim()} `);
  const bare = /^[\w.-]+\/?$/.test(answer.trim()) ? [answer.trim()] : [];
  const all = [...tokens, ...bare];
  const folder = all.find((t) => t.includes('*') || t.endsWith('/') || !FILE_EXT.test(t));
  const data = all.find((t) => DATA_EXT.test(t));
  const prompt = all.find((t) => /\.md$/i.test(t));
  if (!folder && !data && !prompt) return parseAi(`${goal}. ${answer}`) ?? ai;
  return {
    ...ai,
    ...(folder ? { docs: folder.replace(/\/+$/, ''), docsNamed: true } : {}),
    ...(data ? (ai.task === 'llm' ? { rows: data } : { questions: data }) : {}),
    ...(prompt ? { prompt } : {}),
  };
}
