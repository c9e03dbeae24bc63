/**
 * Shorthand engineers type: "reg ckpt out/ckpt.pt as arm-ft" is "register checkpoint out/ckpt.pt as arm-ft".
 * "reg" only as a verb at a clause start, before what is registered ("linear reg", "reg alpha" stay).
 */

const CLAUSE_START = String.raw`(?:^|[,;:.!?]\s*|\b(?:and|then|&|also|pls|please)\s+)`;
const REG_OBJECT = String.raw`(?=\s+(?:the\s+|its\s+|that\s+)?(?:ckpts?|checkpoints?|models?|weights|it|[\w.-]+\/[\w./-]+)\b)`;

/** The verb last (German word order): "then the out/ckpt.pt as model x with the alias staging register". */
const REGISTER_LAST =
  /(^|[,;:]\s*|\b(?:and\s+)?then\s+)((?:the\s+)?\S+\.(?:pt|pth|ckpt|bin|onnx|pkl|joblib|safetensors)\b[^,;.!?]*?)\s+register(?=\s*(?:[,;.!?]|$))/gi;

/** Prep verbs last: "from x.json the columns A and B remove, and the C to the range 0 to 10 clip". */
const PREP_LAST =
  /(^|[,;:]\s*|\b(?:and|then)\s+|\S+\.(?:csv|tsv|json|jsonl|parquet)\s+)((?:the|all)\s+[^,;.!?]{2,60}?)\s+(remove|drop|delete|clip|scale|standardi[sz]e|normali[sz]e|impute|dedupe|one-hot encode|encode)(?=\s*(?:[,;.!?]|$))/gi;
/** "afterwards as movies-trimmed versioning": version the data as that name. */
const VERSION_LAST = /\bas\s+([a-z][\w-]*)\s+version(?:ing)?(?=\s*(?:[,;.!?]|$))/gi;

export function spellShorthand(text: string): string {
  return text
    .replace(PREP_LAST, '$1$3 $2')
    .replace(VERSION_LAST, 'version it as $1')
    .replace(REGISTER_LAST, '$1register $2')
    .replace(new RegExp(String.raw`(${CLAUSE_START})reg${REG_OBJECT}`, 'gi'), '$1register')
    .replace(/(?<![\w./-])ckpt(s?)(?![\w./-])/gi, 'checkpoint$1');
}
