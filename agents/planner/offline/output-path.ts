/**
 * Where scored rows go ("write the predictions to scores/", "save it to out/x.csv", "-> out/q.csv") and the
 * verbs that score rows with a model.
 */
const PATH = String.raw`["'\x60]?((?:\.?\/)?[\w.-]+(?:\/[\w.-]*)*\/?)["'\x60]?`;
/** "what it says", "what the model predicts": the model's answers, said as a clause. */
const ANSWERS = String.raw`what\s+(?:it|the\s+model|they|the\s+\w+\s+model)\s+(?:says|predicts?|outputs?|answers?|returns?|gives?(?:\s+back)?|thinks|comes?\s+up\s+with|spits?\s+out)`;
const SCORED = String.raw`(?:${ANSWERS}|scored\s+(?:rows|data|file|output|table)|scores|predictions|results|outputs?|preds|estimates|it|them|everything|(?:an?\s+)?(?:csv|parquet|jsonl?|tsv)(?:\s+(?:file|table))?)`;
const WRITTEN = String.raw`(?:written|saved|stored|put|exported|dumped|stashed|placed|persisted|sent|landed|dropped|kept)`;

/** A noun for scored rows. */
const SCORED_NOUN = /\b(?:predictions|scores|estimates|preds)\b/i;

/** A verb that scores rows with a model. */
export const SCORING_VERB = /\b(?:scor(?:e|es|ed|ing)|predict(?:s|ing)?|infer(?:ence)?|label(?:s|ling)?)\b/i;

/**
 * Where scored rows go: "write the predictions to scores/", "save it to out/x.csv", "put the output in scores/",
 * "write the predictions as scores/x.parquet", "results into scores/ folder", "predictions go to out/".
 */
export function parseOutput(text: string): string | undefined {
  const m =
    new RegExp(
      String.raw`\b(?:write|writes|writing|save|saves|saving|store|stores|storing|put|puts|export|exports|dump|dumps|drop|output|land|stash|stashes|place|places|persist|persists|keep|keeps)\s+(?:out\s+)?(?:(?:the\s+|all\s+|those\s+|these\s+)?${SCORED}\s+)?(?:out\s+)?(?:to|into|in|as|under|at)\s+(?:the\s+)?(?:folder\s+|file\s+|directory\s+|dir\s+)?${PATH}`,
      'i',
    ).exec(text) ??
    // "score q.csv with m -> out/q.csv": an arrow points at where the scores go.
    new RegExp(String.raw`(?:->|→|=>)\s*${PATH}`, 'i').exec(text) ??
    new RegExp(
      String.raw`(?<![./])\b(?:predictions|scores|results|outputs?|preds|csv|parquet|jsonl?)\s+(?:go(?:es|ing)?\s+|head(?:s|ed|ing)\s+|should\s+go\s+|end\s+up\s+|out\s+)?(?:to|in|into)\s+(?:the\s+)?${PATH}`,
      'i',
    ).exec(text) ??
    // "have the output written to x.parquet", "with the scores saved under out/", "predictions stashed in s/".
    new RegExp(
      String.raw`\b${SCORED}\s+(?:(?:are|is|get|gets|be)\s+)?${WRITTEN}\s+(?:out\s+)?(?:to|into|in|as|under|at)\s+(?:the\s+)?(?:folder\s+|file\s+|directory\s+|dir\s+)?${PATH}`,
      'i',
    ).exec(text);
  // "Output file: out/x.parquet", "destination: preds/", "output path = out/x.csv": a labelled output.
  const labelled =
    m ??
    new RegExp(
      String.raw`\b(?:output|destination)(?:\s+(?:file|path|folder|location|table))?\s*[:=]\s*${PATH}`,
      'i',
    ).exec(text);
  // "its predictions on x.csv, dropped into the out/ folder", "made with m and written to out/x.parquet": a
  // participle after a comma or "and (then)", when rows are scored.
  const participle =
    labelled ??
    (SCORING_VERB.test(text) || SCORED_NOUN.test(text)
      ? new RegExp(
          String.raw`(?:,|\band\b|\bthen\b)\s*(?:then\s+)?${WRITTEN}\s+(?:to|into|in|under|as)\s+(?:the\s+)?(?:folder\s+|file\s+|directory\s+|dir\s+)?${PATH}`,
          'i',
        ).exec(text)
      : null);
  // "score q.csv with m into out/q.csv": after a scoring verb, a path after "into" is where scores go.
  const into =
    participle ??
    (SCORING_VERB.test(text)
      ? new RegExp(
          String.raw`\binto\s+(?:the\s+)?(?:folder\s+|file\s+|directory\s+|dir\s+)?${PATH}`,
          'i',
        ).exec(text)
      : null);
  // "… and revert back with the file at out/x.json", "send me the results at r/": what is handed back, when rows
  // are scored.
  const returned =
    into ??
    (SCORING_VERB.test(text)
      ? new RegExp(
          String.raw`\b(?:(?:revert|get|come|report|reply|respond|circle)\s+back(?:\s+to\s+(?:me|us))?\s+with|(?:send|give|hand|share|return)\s+(?:me|us|back))\s+(?:the\s+)?(?:${SCORED}\s+)?(?:file|folder|results?|outputs?)?\s*(?:at|in|under)\s+${PATH}`,
          'i',
        ).exec(text)
      : null);
  const raw = returned?.[1];
  if (!raw || !/[/.]/.test(raw) || /^\.+$/.test(raw)) return undefined;
  // "… to scores/x.parquet.", "Output: scores/v2/.": the sentence's full stop is no part of the path.
  const out = raw.replace(/^\.\//, '').replace(/(?<=[\w/])\.+$/, '');
  // A bare name ("out.csv") only where a verb or a label says it is written.
  const fileName = labelled !== null && /\.[a-z]{2,8}$/i.test(out);
  return m || out.includes('/') || fileName ? out : undefined;
}

/**
 * "score q.csv with churn-model", "inference using price-forecaster": a registry-style name that scores rows is
 * a model to use, so the training words inside it ("model", "forecast") are blanked out where training is read.
 */
export function blankScorerNames(text: string): string {
  if (!/\b(?:scor(?:e|es|ed|ing)|infer(?:ence)?)\b/i.test(text)) return text;
  return text.replace(
    /\b((?:with|using|via|through)\s+(?:the\s+)?)[a-z]\w*(?:-\w+)+\b(?!\s+(?:models?|classifiers?|regressors?|forecasters?)\b)/gi,
    (_, before: string) => `${before} `,
  );
}
