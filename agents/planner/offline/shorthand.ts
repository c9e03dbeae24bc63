/**
 * Shorthand engineers type: "reg ckpt out/ckpt.pt as arm-ft" is "register checkpoint out/ckpt.pt as arm-ft".
 * "reg" only as a verb at a clause start, before what is registered ("linear reg", "reg alpha" stay).
 */

const CLAUSE_START = String.raw`(?:^|[,;:.!?]\s*|\b(?:and|then|&|also|pls|please)\s+)`;
const REG_OBJECT = String.raw`(?=\s+(?:the\s+|its\s+|that\s+)?(?:ckpts?|checkpoints?|models?|weights|it|[\w.-]+\/[\w./-]+)\b)`;

/** The verb last (German word order): "then the out/ckpt.pt as model x with the alias staging register". */
const REGISTER_LAST =
  /(^|[,;:]\s*|\b(?:and\s+)?then\s+)((?:the\s+)?\S+\.(?:pt|pth|ckpt|bin|onnx|pkl|joblib|safetensors)\b[^,;.!?]*?)\s+register(?=\s*(?:[,;.!?]|$))/gi;

export function spellShorthand(text: string): string {
  return text
    .replace(REGISTER_LAST, '$1register $2')
    .replace(new RegExp(String.raw`(${CLAUSE_START})reg${REG_OBJECT}`, 'gi'), '$1register')
    .replace(/(?<![\w./-])ckpt(s?)(?![\w./-])/gi, 'checkpoint$1');
}
