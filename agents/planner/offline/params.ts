/**
 * Hyperparameters and names in a goal: "200 trees", "300 estimators", "learning rate 0.05", "n_estimators=50", "max depth 6", "k=5" (k-NN only),
 * "tune the hyperparameters"; "register it as churn-v2", "a model called x"; "version it as cars-clean".
 */
import type { GoalSpec, ModelChoice } from '../intent.ts';
import { NUMBER, toNumber } from './words.ts';

export function parseParams(text: string, models: ModelChoice[]): GoalSpec['params'] {
  const trees = new RegExp(
    String.raw`\b${NUMBER}\s+(?:trees|estimators|boosting (?:rounds|iterations|stages)|rounds of boosting)\b|\bn_?estimators\s*(?:[=:]|of|is)?\s*${NUMBER}`,
    'i',
  ).exec(text);
  // "learning rate 0.05", "a 0.05 learning rate".
  const rate =
    /(?<!-)\b(?:learning[ _-]?rate|lr|eta|shrinkage)\s*(?:of\s+|=\s*|:\s*|is\s+|at\s+|to\s+)?(\d*\.\d+|\d+(?:\.\d+)?e-?\d+)\b/i.exec(
      text,
    ) ?? /(?<![\w.-])(\d*\.\d+|\d+(?:\.\d+)?e-?\d+)\s+(?:learning[ _-]?rate|lr|eta|shrinkage)\b/i.exec(text);
  // "max depth 6", "depth of six", "no deeper than 4", "at most 5 levels deep".
  const depth = new RegExp(
    String.raw`\b(?:max(?:imum)?[ _-]?depth|depth)\s*(?:of\s*|=\s*|:\s*|is\s+|limited to\s+|up to\s+)?${NUMBER}\b|\bno\s+deeper\s+than\s+${NUMBER}\b|\b(?:at most|up to|max(?:imum)?)\s+${NUMBER}\s+levels?\s+deep\b`,
    'i',
  ).exec(text);
  // "k=5", "k of eleven", "k is seven", "k: 9" (not "k=5 folds").
  const kNeighbours =
    new RegExp(
      String.raw`\bk\s*(?:=|:|\s(?:of|is|at|to|set to)\s)\s*${NUMBER}\b(?!\s*(?:-?fold|cross|cv))`,
      'i',
    ).exec(text) ??
    new RegExp(
      String.raw`\b${NUMBER}\s+(?:nearest\s+)?neighbou?rs\b|\b(?:n_neighbou?rs|(?:number\s+of\s+)?neighbou?rs)\s*(?:[=:]|of\b|is\b)\s*${NUMBER}\b`,
      'i',
    ).exec(text);
  // "300 iterations", "250 rounds", "200 iters": the estimators of a boosted model only.
  const boosted = models.some((m) => /boost/.test(m.algorithm));
  const rounds = boosted
    ? new RegExp(String.raw`\b${NUMBER}\s+(?:iterations|iters?|rounds)\b`, 'i').exec(text)
    : null;
  const params: GoalSpec['params'] = {};
  const treeCount = toNumber(trees?.[1] ?? trees?.[2] ?? rounds?.[1]);
  if (treeCount) params.nEstimators = treeCount;
  const maxDepth = toNumber(depth?.slice(1).find(Boolean));
  if (maxDepth) params.maxDepth = maxDepth;
  const learningRate = Number(rate?.[1]);
  if (rate && learningRate > 0 && learningRate <= 1) params.learningRate = learningRate;
  const k = toNumber(kNeighbours?.slice(1).find(Boolean));
  if (k && models.some((m) => m.algorithm === 'knn')) params.k = k;
  // "C = 0.5", "C of 0.1" (logistic regression, SVM); "alpha = 0.3" (ridge, lasso): a named value only.
  const c =
    /(?<![\w.-])[Cc]\s*[=:]\s*(\d*\.?\d+(?:e-?\d+)?)(?![\w.])/.exec(text) ??
    /(?<![\w.-])C\s+(?:of|is)\s+(\d*\.?\d+(?:e-?\d+)?)(?![\w.])/.exec(text);
  if (c && models.some((m) => REGULARISED_BY_C.has(m.algorithm))) params.C = Number(c[1]);
  const leaf = minSamplesLeaf(text);
  if (leaf && models.some((m) => LEAF_SIZED.has(m.algorithm))) params.minSamplesLeaf = leaf;
  const alpha = /\balpha\s*(?:[=:]|\s(?:of|is)\s)\s*(\d*\.?\d+(?:e-?\d+)?)(?![\w.])/i.exec(text);
  if (alpha && models.some((m) => REGULARISED_BY_ALPHA.has(m.algorithm))) params.alpha = Number(alpha[1]);
  return params;
}

const LEAF_SIZED = new Set(['decision_tree', 'random_forest', 'extra_trees', 'gradient_boosting']);
const SAMPLES = String.raw`(?:samples|rows|records|examples|observations|points)`;

/** "at least 5 samples per leaf", "min_samples_leaf=5", "no fewer than 5 rows in each leaf", "every leaf holds at least 5". */
function minSamplesLeaf(text: string): number | undefined {
  const m = new RegExp(
    [
      String.raw`\bmin(?:imum)?[ _-]?(?:samples|rows)?[ _-]?(?:per[ _-])?leaf\s*(?:[=:]|of|is|to)?\s*${NUMBER}\b`,
      String.raw`\b(?:at\s+least|no\s+(?:fewer|less)\s+than|min(?:imum)?(?:\s+of)?)\s+${NUMBER}\s+${SAMPLES}\s+(?:per|in\s+(?:each|every|a)|for\s+(?:each|every)|on\s+(?:each|every))\s+leaf\b`,
      String.raw`\b(?:each|every)\s+leaf\s+(?:(?:must|should|has\s+to|needs?\s+to|will)\s+)?(?:holds?|has|have|contains?|keeps?|gets?)\s+(?:at\s+least|no\s+(?:fewer|less)\s+than)\s+${NUMBER}\b`,
    ].join('|'),
    'i',
  ).exec(text);
  return toNumber(m?.slice(1).find(Boolean));
}

const REGULARISED_BY_C = new Set(['logistic_regression', 'svm']);
const REGULARISED_BY_ALPHA = new Set(['ridge', 'lasso']);

export const TUNE =
  /\b(?:tune|tuning|tuned|hyper-?parameter (?:search|tuning|optimi[sz]ation)|grid search|random search|optimi[sz]e (?:the )?hyper-?parameters|sweep)\b/i;

/** Aliases a new version can get when it is registered (production is moved by a deploy, not here). */
const ALIAS = String.raw`(?:staging|stage|candidate|challenger|shadow|beta|dev|qa|preprod|pre-prod|pre-production)`;
/** A registry-style name; never an alias or a way of serving ("deploy it as a canary", "as production"). */
const NAME = String.raw`["'\x60]?(?!(?:${ALIAS}|canary|production|prod|live|well|usual|before|soon)(?![\w-])|(?:an?|the)\s)([A-Za-z0-9][\w.-]*[A-Za-z0-9])`;

const ARTIFACT = String.raw`["'\x60(]?(?:\S+\.(?:pt|pth|ckpt|bin|onnx|pkl|joblib|safetensors)|\S+\/)["'\x60)]?`;
/** "what it writes to out/ckpt.pt", "the weights the script leaves under out/", "the checkpoint it writes (out/c.pt)". */
const WRITTEN_BY_SCRIPT = String.raw`(?:what|whatever|the\s+\w+(?:\s+(?:that|which))?)\s+(?:it|the script|training|the run|the job)\s+(?:writes|saves|produces|outputs|emits|dumps|leaves|puts)\s+(?:(?:to|in|into|at|under)\s+)?${ARTIFACT}`;
/** What a run leaves, unnamed: "whatever comes out (of it)", "what it produces", "whatever the script writes". */
const RUN_RESULT = String.raw`(?:what|whatever)\s+(?:(?:comes|came)\s+out(?:\s+of\s+(?:it|(?:the\s+)?(?:script|run|job|training)))?|(?:it|the script|the run|the job|training)\s+(?:produces|produced|makes|made|outputs|spits\s+out|creates|trains|writes|wrote|saves|saved|leaves|dumps|emits))`;

/**
 * The name to register a model under: "register it as x", "save the model as x", "a model named x", "… as x"
 * after register, "deploy it as x" (the name it is served under), "register out/m.pt as model x". An alias
 * ("register it as staging") is no name.
 */
export function parseModelName(text: string): string | undefined {
  const m =
    new RegExp(
      String.raw`\b(?:register|save|publish|upload|store|deploy|serve|ship|release)\w*\s+(?:it|that|this|them|the model|the best model|the winner|the checkpoint|the artifact|${WRITTEN_BY_SCRIPT}|${RUN_RESULT}|the\s+(?:(?:trained|final|fine-?tuned|resulting|best|new)\s+)?(?:output|outputs|result|weights|adapter|model|checkpoint)|(?:(?:the|its)\s+(?:[\w-]+\s+){0,2}?(?:(?:at|in|from|under)\s+)?)?["'\x60(]?(?:\S+\.(?:pt|pth|ckpt|bin|onnx|pkl|joblib|safetensors)|\S+\/)["'\x60)]?|(?:the\s+)?checkpoint\s+\S+)?\s*(?:(?:in|into|to)\s+the\s+(?:model\s+)?registry\s+)?(?:as|under(?:(?: the)? name)?|named|called)\s+(?!(?:a\s+|an\s+|the\s+)?(?:new\s+)?(?:dataset|data set)\b)(?:(?:the\s+)?model\s+)?${NAME}`,
      'i',
    ).exec(text) ??
    new RegExp(
      String.raw`\b(?:keep|keeps|keeping)\s+(?:${WRITTEN_BY_SCRIPT}|${RUN_RESULT})\s+(?:as|under(?:(?: the)? name)?|named|called)\s+${NAME}|\bmodel\s+(?:named|called)\s+${NAME}|\bmodel(?:'s)?\s+(?:should|will|must|is to|has to)\s+be\s+(?:called|named)\s+${NAME}|\bmodel\s+name\s*(?:should be|will be|is|=|:)\s*${NAME}|\b(?:call|calls|calling|name|names|naming)\s+(?:it|the model|the checkpoint|the result|this|that)\s+(?!a\s|an\s|the\s|done\b|quits\b|good\b)${NAME}|\b(?:call|name)\s+(?:the\s+)?model\s+${NAME}|\b(?:put|puts|add|adds|place|push|pushes|upload|log)\s+\S+\s+(?:in|into|to|on)\s+(?:the\s+)?(?:model\s+)?regist(?:ry|er)\s+(?:as|under(?:(?: the)? name)?|named|called)\s+${NAME}`,
      'i',
    ).exec(text);
  const name =
    m ??
    // "register out/x.pt with the name x", "push it to the registry, name: x".
    (/\b(?:regist\w*|publish\w*|upload\w*|push\w*|deploy\w*)\b/i.test(text)
      ? new RegExp(
          String.raw`\b(?:with|under)\s+(?:the\s+)?name\s+${NAME}|\bregistry\s+(?:as|under(?:(?: the)? name)?|named|called)\s+${NAME}|(?<!(?:dataset|data set|file|run)\s)\bname\s*[:=]\s*${NAME}`,
          'i',
        ).exec(text)
      : null);
  return name?.slice(1).find((g) => g !== undefined);
}

/** The alias a newly registered version gets: "register it as staging", "tag the new version as candidate". */
export function parseRegisterAlias(text: string): string | undefined {
  const m = new RegExp(
    String.raw`\b(?:regist\w*|save|saves|publish\w*|store|stores|tag|tags|tagged|mark|marks|marked|label|labels|labelled|labeled)\s+(?:it|them|this|that|the (?:\w+\s+)?(?:model|version|checkpoint|winner|result))?\s*(?:in the registry\s+)?(?:as|under|with(?: the)?(?: alias)?|to)\s+(?:the\s+|a\s+|an\s+)?["'\x60]?(${ALIAS})(?![\w-])`,
    'i',
  ).exec(text);
  // "register it as x under the staging alias", "alias: challenger", "tag it staging".
  const after =
    m ??
    new RegExp(
      String.raw`\b(?:under|with|as|using)\s+(?:the\s+|an?\s+)?["'\x60]?(${ALIAS})["'\x60]?\s+(?:alias|tag|label)\b|\balias\s*(?:[:=]|is\b|of\b)?\s*["'\x60]?(${ALIAS})(?![\w-])|\btag(?:s|ged)?\s+(?:it|them|this|that)\s+["'\x60]?(${ALIAS})(?![\w-])|\b(?:regist\w*|publish\w*|save|saves|store|stores)\b(?:[^.;]|\.(?=\w)){0,60}?\s+in\s+(?:the\s+)?["'\x60]?(${ALIAS})["'\x60]?(?:\s+(?:alias|slot|stage|tag))?(?![\w-])`,
      'i',
    ).exec(text);
  const alias = after?.slice(1).find(Boolean)?.toLowerCase();
  return alias === 'stage' ? 'staging' : alias;
}

const SAVE =
  'save|saves|saved|saving|store|stores|stored|storing|keep|keeps|kept|write|writes|written|persist|persists|export|exports|publish|publishes|register|registers|materiali[sz]e|materiali[sz]es';
const DATA_OBJECT = String.raw`(?:it|this|that|them|the (?:\w+\s+)?(?:data(?:set)?|result|results|output|table|rows|file|frame|copy|version))`;
const AS = String.raw`(?:as|under(?:(?: the)? name)?|named|called|to|into)`;
const DATASET_NOUN = String.raw`(?:(?:a|an|the)\s+)?(?:new\s+)?(?:dataset|data set|data-set)(?:\s+version)?(?:\s+(?:named|called))?`;

/**
 * The name to version a dataset under: "version it as cars-clean", "snapshot the result as x", "save a versioned
 * copy called x", "save it as dataset x", "store the output as a new dataset called x", "a dataset named x". In a
 * goal that trains nothing, "save / store / keep it as x" names the dataset too (in one that trains, the model).
 */
export function parseDatasetName(text: string, trainsNothing = false): string | undefined {
  const explicit = new RegExp(
    [
      String.raw`\b(?:version|snapshot)\w*\s+(?:${DATA_OBJECT}\s+)?(?:as|under(?:(?: the)? name)?|named|called)\s+${NAME}`,
      String.raw`\bversioned copy\s+(?:named|called)\s+${NAME}`,
      String.raw`\b(?:${SAVE}|version|versions|versioned)\s+(?:${DATA_OBJECT}\s+)?${AS}\s+${DATASET_NOUN}\s+${NAME}`,
      String.raw`\b(?:dataset|data set)(?:\s+version)?\s+(?:should|will|must|is to|has to)\s+be\s+(?:called|named)\s+${NAME}`,
      String.raw`\b(?:dataset|data set)(?:'s)?\s+name\s*(?:should be|will be|is|=|:)\s*${NAME}`,
      String.raw`\b${NAME}\s+as\s+(?:the|its)\s+(?:dataset|data set)(?:'s)?\s+name\b`,
      String.raw`\b(?:a|an|the|new)\s+(?:(?:new|versioned|clean|cleaned|fresh|prepared)\s+){0,2}(?:dataset|data set)(?:\s+version)?\s+(?:named|called)\s+${NAME}`,
    ].join('|'),
    'i',
  )
    .exec(text)
    ?.slice(1)
    .find(Boolean);
  if (explicit || !trainsNothing) return explicit;
  const FORMAT = String.raw`(?!["'\x60]?(?:csv|tsv|parquet|json|jsonl|ndjson|excel|xlsx|arrow|feather)\b)`;
  return new RegExp(
    [
      String.raw`\b(?:${SAVE})\s+(?:${DATA_OBJECT}\s+)?(?:as|under(?:(?: the)? name)?|named|called)\s+${FORMAT}${NAME}`,
      String.raw`\b(?:call|name)\s+${DATA_OBJECT}\s+${FORMAT}${NAME}`,
      // "keep a version named x", "store a snapshot called x", "a clean copy named x".
      String.raw`\b(?:a|an|the)\s+(?:[\w-]+\s+)?(?:version|snapshot|copy)\s+(?:named|called)\s+${FORMAT}${NAME}`,
      String.raw`\b(?:output|result|version|snapshot|copy)\s+(?:should|will|must)\s+be\s+(?:called|named)\s+${FORMAT}${NAME}`,
    ].join('|'),
    'i',
  )
    .exec(text)
    ?.slice(1)
    .find(Boolean);
}
