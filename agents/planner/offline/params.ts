/**
 * Hyperparameters and names in a goal: "200 trees", "n_estimators=50", "max depth 6", "k=5" (k-NN only),
 * "tune the hyperparameters"; "register it as churn-v2", "a model called x"; "version it as cars-clean".
 */
import type { GoalSpec, ModelChoice } from '../intent.ts';
import { NUMBER, toNumber } from './words.ts';

export function parseParams(text: string, models: ModelChoice[]): GoalSpec['params'] {
  const trees = new RegExp(String.raw`\b${NUMBER}\s+trees\b|\bn_?estimators\s*[=:]?\s*(\d+)`, 'i').exec(text);
  const depth = /\b(?:max(?:imum)?[ _-]?depth|depth)\s*(?:of\s*|=\s*|:\s*)?(\d+)\b/i.exec(text);
  const kNeighbours =
    /\bk\s*=\s*(\d+)\b(?!\s*(?:-?fold|cross|cv))/i.exec(text) ??
    new RegExp(String.raw`\b${NUMBER}\s+(?:nearest\s+)?neighbou?rs\b`, 'i').exec(text);
  const params: GoalSpec['params'] = {};
  const treeCount = toNumber(trees?.[1] ?? trees?.[2]);
  if (treeCount) params.nEstimators = treeCount;
  if (depth) params.maxDepth = Number(depth[1]);
  const k = toNumber(kNeighbours?.[1]);
  if (k && models.some((m) => m.algorithm === 'knn')) params.k = k;
  return params;
}

export const TUNE =
  /\b(?:tune|tuning|tuned|hyper-?parameter (?:search|tuning|optimi[sz]ation)|grid search|random search|optimi[sz]e (?:the )?hyper-?parameters|sweep)\b/i;

const NAME = String.raw`["'\x60]?([A-Za-z0-9][\w.-]*[A-Za-z0-9])`;

/** The name to register a model under: "register it as x", "save the model as x", "a model named x", "… as x" after register. */
export function parseModelName(text: string): string | undefined {
  const m =
    new RegExp(
      String.raw`\b(?:register|save|publish|store)\w*\s+(?:it|the model|the best model|the winner|the checkpoint|the artifact|(?:\S+\.(?:pt|pth|ckpt|bin|onnx|pkl|joblib|safetensors))|(?:the\s+)?checkpoint\s+\S+)?\s*(?:in the registry\s+)?(?:as|under(?: the name)?|named|called)\s+${NAME}`,
      'i',
    ).exec(text) ?? new RegExp(String.raw`\bmodel\s+(?:named|called)\s+${NAME}`, 'i').exec(text);
  return m?.[1];
}

/** The name to version a dataset under: "version it as cars-clean", "save a versioned copy called x". */
export function parseDatasetName(text: string): string | undefined {
  return new RegExp(
    String.raw`\b(?:version|snapshot)\w*\s+(?:it|the (?:data(?:set)?|result|table|rows))\s+(?:as|under(?: the name)?|named|called)\s+${NAME}|\bversioned copy\s+(?:named|called)\s+${NAME}`,
    'i',
  )
    .exec(text)
    ?.slice(1)
    .find(Boolean);
}
