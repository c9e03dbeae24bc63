/**
 * Sources named in a goal: workspace files (csv, tsv, json, ndjson, parquet), http(s) URLs, postgres:// with a
 * table or a SELECT query, and s3:// keys, prefixes and globs (./s3.ts), and stores that cannot be read yet (GCS, …, Excel) as "unsupported" so the
 * planner can ask. The training data comes first ("score new.csv with a model trained on old.csv").
 */
import type { SourceSpec } from '../intent.ts';
import { parseOutput, SCORING_VERB } from './operations.ts';
import { ARRIVAL_REF, findS3, s3SourceName } from './s3.ts';

export const EXT = 'csv|tsv|json|ndjson|jsonl|parquet|arrow|feather|xlsx|xls|txt|csv\\.gz|avro|orc';
const FILE = new RegExp(
  String.raw`(?:^|[\s"'\x60(\[])((?:\.{0,2}/)?[\w][\w./-]*\.(?:${EXT}))(?=$|[\s"'\x60),;:!?\]]|\.(?:\s|$))`,
  'gi',
);
const URL = /\b(https?:\/\/[^\s'"`<>]+)/gi;
/** Words before a URL that is told something, not read: "post to the webhook X", "notify X", "call X when done". */
const TOLD_BEFORE =
  /\b(?:web-?hooks?|hooks?|post(?:s|ed|ing)?|notify|notif(?:y|ies|ied)|ping|alert|call|send|sends|message|tell|report|callback)\b[^.;,]{0,30}$/i;
/** A URL told something: a webhook word before it, or a hook in its address (hooks.slack.com, /webhook/). */
function toldUrl(goal: string, at: number, url: string): boolean {
  return (
    TOLD_BEFORE.test(goal.slice(Math.max(0, at - 40), at)) || /\/\/hooks\.|\/(?:web)?hooks?\//i.test(url)
  );
}
const PG = /\b(postgres(?:ql)?:\/\/[^\s'"`<>]+)/gi;
const OTHER_STORE =
  /\b((s3|s3a|gs|gcs|az|abfss?|hdfs|wasbs?|ftp|sftp|mysql|mongodb(?:\+srv)?|snowflake|bigquery):\/\/[^\s'"`<>]+)/gi;

function trimUrl(u: string): string {
  return u.replace(/[.,;:!?)\]]+$/, '');
}

/**
 * A SQL query written in the goal, for a postgres source: quoted or back-ticked ("`select … from loans`"), or
 * bare, up to where the sentence goes on ("run SELECT * FROM loans WHERE … against postgres://…").
 */
const SQL_QUOTED = /(["'`])\s*(select\s[\s\S]*?\bfrom\b[\s\S]*?)\1(?=\s|[,;.]|$)/i;
const SQL_BARE =
  /\b(select\s+(?:distinct\s+)?[^;]+?\s+from\s+[^;]+?)(?=\s+(?:against|on|in|from|at|using|via|over|through|inside)\s+(?:the\s+)?(?:(?:database|db|warehouse|connection|server)\s+)?(?:at\s+)?postgres|\s+postgres(?:ql)?:\/\/|;|\s+(?:and|then|,)\s+(?:then\s+)?(?:predict|train|forecast|classify|fit|build|version|check|monitor|estimate|model|deploy|register)\b|\.(?:\s|$)|$)/i;

export function sqlQuery(goal: string): string | undefined {
  const q = SQL_QUOTED.exec(goal)?.[2] ?? SQL_BARE.exec(goal)?.[1];
  return q?.trim().replace(/\s+/g, ' ');
}

export function parseSources(goal: string): SourceSpec[] {
  const found: { at: number; src: SourceSpec }[] = [];
  let rest = goal;
  // s3:// sources and arrival places: ./s3.ts.
  for (const m of findS3(goal)) {
    const url = m.arrival ? ARRIVAL_REF : m.url;
    found.push({ at: m.at, src: { kind: 's3', url, name: s3SourceName(m.url) } });
    rest = rest.replace(m.text, ' '.repeat(m.text.length));
  }
  for (const m of goal.matchAll(OTHER_STORE)) {
    const location = trimUrl(m[1] as string);
    const scheme = (m[2] as string).toLowerCase();
    if (scheme.startsWith('s3')) continue;
    const why = `reading from ${scheme}:// is not supported yet`;
    found.push({ at: m.index ?? 0, src: { kind: 'unsupported', location, why } });
    rest = rest.replace(m[1] as string, ' '.repeat((m[1] as string).length));
  }
  const query = sqlQuery(goal);
  for (const m of goal.matchAll(PG)) {
    const connection = trimUrl(m[1] as string);
    if (query) {
      found.push({ at: m.index ?? 0, src: { kind: 'postgres', connection, query } });
      rest = rest.replace(m[1] as string, ' '.repeat((m[1] as string).length));
      continue;
    }
    const table =
      /\b(?:table|from)\s+["'`]?([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)["'`]?(?!\.\w)/.exec(
        goal.slice((m.index ?? 0) + m[0].length),
      ) ??
      /\bthe\s+["'`]?([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)["'`]?\s+table\b/i.exec(goal) ??
      /\btable\s+["'`]?([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)/i.exec(goal);
    found.push({
      at: m.index ?? 0,
      src: { kind: 'postgres', connection, ...(table?.[1] ? { table: table[1] } : {}) },
    });
    rest = rest.replace(m[1] as string, ' '.repeat((m[1] as string).length));
  }
  for (const m of rest.matchAll(URL)) {
    if (toldUrl(goal, m.index ?? 0, m[1] as string)) continue;
    found.push({ at: m.index ?? 0, src: { kind: 'url', url: trimUrl(m[1] as string) } });
    rest = rest.replace(m[1] as string, ' '.repeat((m[1] as string).length));
  }
  // Where scores go ("put the results in out/q.parquet") is no source, when another file is named.
  const output = parseOutput(goal);
  const fileCount = [...rest.matchAll(FILE)].length;
  for (const m of rest.matchAll(FILE)) {
    const file = m[1] as string;
    const at = (m.index ?? 0) + m[0].indexOf(file);
    // Where results go is not a source: "save the scores as out/x.csv", "write the predictions to y.parquet".
    if (
      /\b(?:save|saving|saved|write|writing|store|storing|export|exporting|dump|output)\b[^.;]{0,50}\b(?:as|to|into|under)\s+(?:the\s+)?(?:file\s+|folder\s+)?["'\x60]?$/i.test(
        goal.slice(Math.max(0, at - 70), at),
      ) ||
      // "score q.csv with m -> out/q.parquet": an arrow points at an output.
      /(?:->|→|=>)\s*["'\x60]?$/.test(goal.slice(Math.max(0, at - 6), at)) ||
      // "score q.csv with m into out/q.csv": so does "into" after a scoring verb.
      (/\binto\s+(?:the\s+)?(?:folder\s+|file\s+)?["'\x60]?$/i.test(goal.slice(Math.max(0, at - 20), at)) &&
        SCORING_VERB.test(goal.slice(0, at))) ||
      (fileCount > 1 && output !== undefined && file.replace(/^\.\//, '') === output)
    )
      continue;
    if (/\.(xlsx|xls|avro|orc|feather|txt)$/i.test(file)) {
      found.push({
        at,
        src: {
          kind: 'unsupported',
          location: file,
          why: `the ${file.split('.').pop()} format cannot be read yet`,
        },
      });
    } else found.push({ at, src: { kind: 'file', path: file.replace(/^\.\//, '') } });
  }
  // "score new.csv with a model trained on old.csv": the training data comes first.
  const trainedOn = found.find((f) =>
    /\b(?:train(?:ed|ing)?|fit(?:ted)?|learn(?:ed|t|s)?|built)\s+(?:\w+\s+){0,2}?(?:on|from|with|using)\s+$/i.test(
      goal.slice(Math.max(0, f.at - 40), f.at),
    ),
  );
  if (trainedOn) trainedOn.at = -1;
  // "check new.csv for drift against old.csv": the reference comes first.
  const against = found.find((f) =>
    /\b(?:against|relative to|compared (?:to|with)|versus|vs\.?|baseline)\s+(?:the\s+)?(?:reference\s+)?(?:data\s+)?(?:in\s+|of\s+)?$/i.test(
      goal.slice(Math.max(0, f.at - 40), f.at),
    ),
  );
  if (against && !trainedOn) against.at = -1;
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.at - b.at)
    .map((f) => f.src)
    .filter((s) => {
      const key = JSON.stringify(s);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * The goal with its data sources and the preposition that introduces them taken out, so that what surrounds a
 * source reads as one phrase: "a regressor on data/x.json for fertility" → "a regressor for fertility",
 * "predict, from (data/x.csv), the species" → "predict, the species".
 */
export function withoutSources(goal: string): string {
  const src = String.raw`(?:\.{0,2}/)?[\w][\w./-]*\.(?:${EXT})|https?://[^\s'"\x60<>]+|postgres(?:ql)?://[^\s'"\x60<>]+`;
  return goal
    .replace(
      new RegExp(
        String.raw`(?:\b(?:on|from|in|using|with|over|of|at|against|into|inside|within|off|across|for)\s+)?(?:the\s+)?(?:(?:data|file|dataset|table|csv|rows)\s+(?:in\s+|at\s+)?)?["'\x60]?(?:${src})["'\x60]?(?:\s+(?:file|dataset|data(?:set)?|table))?`,
        'gi',
      ),
      ' ',
    )
    .replace(/\(\s*\)/g, ' ')
    .replace(/\s+([,;:.!?])/g, '$1')
    .replace(/\s+/g, ' ');
}

export function withoutQuery(goal: string): string {
  const q = SQL_QUOTED.exec(goal)?.[0] ?? SQL_BARE.exec(goal)?.[0];
  return q ? goal.replace(q, ' ') : goal;
}
