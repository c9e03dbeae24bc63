/**
 * A person's own training script: "run scripts/finetune.py on two GPUs with --lr 3e-4, register out/ckpt.pt",
 * "train with my script scripts/train.sh --epochs 3", "python3 scripts/finetune.py --lr 1e-4". The script
 * path, an interpreter named before it, every --flag (with its value) written anywhere in the goal, and the
 * file or folder to register.
 */
import type { ScriptSpec } from '../intent.ts';
import { toNumber, WORD_NUMBER } from './words.ts';

const SCRIPT =
  /(?:\b(python3?|bash|sh|Rscript|node|julia)\s+)?((?:\.{0,2}\/)?[\w-][\w./-]*\.(?:py|sh|bash|r|R|jl|js|mjs))\b/;
/** Commands that start a script on several devices, with flags of their own. */
const LAUNCHER =
  /\b(?:torchrun|accelerate\s+launch|deepspeed|mpirun|horovodrun|python3?\s+-m\s+torch\.distributed\.\w+)\b/i;
const ARTIFACT_EXT = `(?:pt|pth|ckpt|bin|onnx|pkl|joblib|safetensors|h5|keras|gguf|json|tar|zip|model)`;

/** Flags and their values: "--lr 3e-4", "--epochs=3", "-n 5", "--fp16". */
export function parseArgs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:^|\s)(--?[A-Za-z][\w-]*)(?:[= ](?!--?[A-Za-z])("[^"]*"|'[^']*'|[^\s,;]+))?/g,
  )) {
    const flag = m[1] as string;
    // A quoted value is one value, without its quotes: --run-name "ft a".
    const value = /^["']/.test(m[2] ?? '') ? m[2]?.slice(1, -1) : m[2]?.replace(/[.)`]+$/, '');
    // "-" starts ordinary words too ("state-of-the-art" never gets here: flags follow whitespace).
    out.push(flag);
    if (value && !/^(?:and|on|with|then|register|to|for|using)$/i.test(value)) out.push(value);
  }
  return out;
}

/** Everyday names of common flags: "--lr" is said "learning rate". */
const FLAG_WORDS: Record<string, string> = {
  lr: 'learning rate',
  bs: 'batch size',
  wd: 'weight decay',
  ep: 'epochs',
};
const FLAG_VALUE = String.raw`(-?\d+(?:\.\d+)?(?:e-?\d+)?|${WORD_NUMBER})(?![\w.-])`;

/** A flag's name as words people say: "--warmup-steps" → /warm-?up[ _-]?steps?/; "--lr" → lr or learning rate. */
function flagPhrase(flag: string): string {
  const name = flag.replace(/^-+/, '').toLowerCase();
  const said = (n: string) =>
    n
      .split(/[-_]+/)
      .filter(Boolean)
      .map((w) => w.replace(/s$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[ _-]?')
      .concat('s?');
  return [said(name), ...(FLAG_WORDS[name] ? [said(FLAG_WORDS[name])] : [])].join('|');
}

/**
 * Values said in words for flags written without one: "a learning rate of 1e-3 and a single epoch (the flags are
 * --lr and --epochs)" → --lr 1e-3 --epochs 1. Flags that already have a value are kept as they are.
 */
export function sayFlagValues(text: string, args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string;
    out.push(flag);
    const next = args[i + 1];
    if (!/^-/.test(flag) || (next !== undefined && !/^-/.test(next))) continue;
    const phrase = flagPhrase(flag);
    const after = new RegExp(
      String.raw`(?<![-\w])(?:${phrase})\s*(?:of|=|:|to|at|is|as)?\s*${FLAG_VALUE}`,
      'i',
    ).exec(text)?.[1];
    const before = new RegExp(
      String.raw`(?<![-\w.])(?:${FLAG_VALUE}|(an?\s+single|a\s+single|one|a|single))\s+(?:${phrase})\b`,
      'i',
    ).exec(text);
    const said = after ?? before?.[1] ?? (before?.[2] ? '1' : undefined);
    if (said === undefined) continue;
    out.push(/^-?\d/.test(said) ? said : String(toNumber(said) ?? said));
  }
  return out;
}

/** Flags of a follow-up over a script's flags: a flag said again takes the new value; new flags are added. */
export function mergeArgs(have: string[], said: string[]): string[] {
  if (!said.length) return have;
  const out = [...have];
  for (let i = 0; i < said.length; i++) {
    const flag = said[i] as string;
    const value = said[i + 1] !== undefined && !/^-/.test(said[i + 1] as string) ? said[++i] : undefined;
    const at = out.indexOf(flag);
    const hadValue = at >= 0 && out[at + 1] !== undefined && !/^-/.test(out[at + 1] as string);
    if (at < 0) out.push(flag, ...(value !== undefined ? [value] : []));
    else if (value !== undefined) out.splice(at + 1, hadValue ? 1 : 0, value);
  }
  return out;
}

export function parseScript(text: string): ScriptSpec | undefined {
  const m = SCRIPT.exec(text);
  if (!m) return undefined;
  const path = (m[2] as string).replace(/^\.\//, '');
  const artifact =
    new RegExp(
      String.raw`\b(?:register|publish|upload)\w*\s+(?:the\s+|its\s+)?(?:(?:resulting|final|trained|best|saved)\s+)?(?:checkpoint|model|weights|artifact|artefact|file|folder|output)?\s*(?:(?:at|in|from|under)\s+|\(\s*)?(?:(?:that\s+|which\s+)?(?:it|the script|training)\s+(?:writes|saves|produces|outputs|emits|dumps|leaves)\s+(?:(?:to|in|into|at|under)\s+|\(\s*)?)?["'\x60]?((?:\.?\/)?[\w.-]+(?:\/[\w.-]+)*(?:\.${ARTIFACT_EXT}|\/))`,
      'i',
    ).exec(text)?.[1] ??
    new RegExp(
      String.raw`\b(?:writes?|saves?|produces?|outputs?|emits?|dumps?)\s+(?:(?:(?:its|the|a)\s+(?:\w+\s+)?)?(?:to|in|into|at)\s+)?["'\x60]?([\w.-]+(?:\/[\w.-]+)+\.${ARTIFACT_EXT})`,
      'i',
    ).exec(text)?.[1] ??
    // "the checkpoint ends up in out/ckpt.pt", "weights land in out/", "put out/ckpt.pt in the model registry".
    new RegExp(
      String.raw`\b(?:ends? up|lands?|goes|go|is written|are written|is saved|are saved|gets? (?:written|saved)|appears?)\s+(?:in|into|at|to|under)\s+["'\x60]?((?:\.?\/)?[\w.-]+(?:\/[\w.-]+)*(?:\.${ARTIFACT_EXT}|\/))`,
      'i',
    ).exec(text)?.[1] ??
    new RegExp(
      String.raw`\b(?:put|puts|add|adds|store|stores|place|push)\s+["'\x60]?((?:\.?\/)?[\w.-]+(?:\/[\w.-]+)*\.${ARTIFACT_EXT})["'\x60]?\s+(?:in|into|to|on)\s+(?:the\s+)?(?:model\s+)?regist(?:ry|er)\b`,
      'i',
    ).exec(text)?.[1];
  // "register as support-bot the file out/ckpt.pt": the file after the name; "have out/x.pt registered".
  const named =
    artifact ??
    new RegExp(
      String.raw`["'\x60]?((?:\.?\/)?[\w.-]+(?:\/[\w.-]+)*\.${ARTIFACT_EXT})["'\x60]?\s+(?:(?:(?:should|must|will|needs? to|has to)\s+be\s+|to\s+be\s+|gets?\s+|is\s+)?(?:registered|published|uploaded)\b|(?:goes|go|should go|gets? put|is put)\s+(?:in|into|to)\s+the\s+(?:model\s+)?registry\b)`,
      'i',
    ).exec(text)?.[1] ??
    new RegExp(
      String.raw`\bregist\w*\s+(?:it\s+)?(?:as|under)\s+\S+\s+(?:the\s+)?(?:file|checkpoint|weights|artifact|model)\s+["'\x60]?((?:\.?\/)?[\w.-]+(?:\/[\w.-]+)*\.${ARTIFACT_EXT})`,
      'i',
    ).exec(text)?.[1];
  // "torchrun --nproc_per_node 2 scripts/x.py --lr 1e-4": the launcher's flags are not the script's.
  const at = m.index ?? 0;
  const launched = LAUNCHER.test(text.slice(0, at));
  return {
    path,
    args: sayFlagValues(text, parseArgs(launched ? text.slice(at + m[0].length) : text.replace(m[0], ' '))),
    ...(m[1] ? { interpreter: m[1] } : {}),
    ...(named ? { artifact: named.replace(/^\.\//, '') } : {}),
  };
}
