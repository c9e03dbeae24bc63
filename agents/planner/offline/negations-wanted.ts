/**
 * Stages turned down by "not wanting" the model in a state: "we don't want it registered or deployed
 * anywhere", "I do not want the model deployed", "we don't need it registered or put live".
 */

const STATE = String.raw`(?:registered|deployed|served|shipped|released|promoted|published|(?:put|pushed|pushed out|sent)\s+live|live|in production|rolled out)`;
const NOT_WANTED = new RegExp(
  String.raw`\b(?:don'?t|do not|doesn'?t|does not|won'?t|never)\s+(?:really\s+)?(?:want|need|wish|like)\s+(?:it|them|this|that|anything|the\s+(?:\w+\s+)?(?:model|result|classifier|regressor|version|output))\s+(?:to\s+be\s+|being\s+)?(${STATE}(?:\s*(?:,|\bor\b|\band\b|\bnor\b)\s*(?:(?:be|get)\s+)?${STATE})*)`,
  'gi',
);

/** The states the goal says it does not want the model in: "registered", "deployed", …. */
function unwanted(text: string): string {
  return [...text.matchAll(NOT_WANTED)].map((m) => m[1] as string).join(' ');
}

export function notWantedRegistered(text: string): boolean {
  return /\bregistered\b/i.test(unwanted(text));
}

export function notWantedDeployed(text: string): boolean {
  return /\b(?:deployed|served|shipped|released|promoted|live|production|rolled out)\b/i.test(unwanted(text));
}
