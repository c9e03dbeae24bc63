/**
 * Token counts with a real tokenizer: js-tiktoken's cl100k_base (the GPT-3.5/4 and text-embedding-3
 * encoding), whose ranks ship inside the package, so nothing is downloaded. Loaded on first use (~1 s).
 * Other models tokenize differently; cl100k is a close, stated stand-in for sizing chunks.
 */
import type { Tiktoken } from 'js-tiktoken/lite';

export const TOKENIZER = 'cl100k_base';

let encoder: Promise<Tiktoken> | undefined;

async function load(): Promise<Tiktoken> {
  const [{ Tiktoken }, ranks] = await Promise.all([
    import('js-tiktoken/lite'),
    import('js-tiktoken/ranks/cl100k_base'),
  ]);
  return new Tiktoken(ranks.default);
}

/** A token counter (loads the tokenizer once per process). */
export async function tokenCounter(): Promise<(text: string) => number> {
  encoder ??= load();
  const enc = await encoder;
  // Special-token text in documents ("<|endoftext|>") is counted as plain text, never refused.
  return (text: string) => (text ? enc.encode(text, [], []).length : 0);
}

/** The documented approximation used where no tokenizer runs: about four characters a token. */
export const approxTokens = (text: string) => Math.ceil(text.length / 4);
