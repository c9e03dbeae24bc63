/** Resources (GPUs, memory, cores), approvals and who gives them, and how long an approval waits. */
import type { GoalSpec } from '../intent.ts';
import { NUMBER, toNumber } from './words.ts';

export function parseResources(text: string): GoalSpec['resources'] {
  const out: GoalSpec['resources'] = {};
  // A script's flags ("--batch-size 32") are not resources.
  const goal = text.replace(/(?:^|\s)--?[A-Za-z][\w-]*(?:[= ](?!--?[A-Za-z])[^\s,;]+)?/g, ' ');
  // "2 GPUs", "4 x A100", "2x H100s", "a couple of GPUs", "on two A100s"; "a GPU" is one.
  const GPU_NAME = String.raw`(?:gpus?|graphics cards?|(?:a100|h100|h200|v100|a10g?|t4|l4|l40s?|a6000|rtx\s?\d{4}|mi\d{3}x?)s?)`;
  const counts = [
    ...goal.matchAll(
      new RegExp(
        String.raw`\b${NUMBER}(?:\s+of)?(?:\s*[x×]\s*|\s+)(?:(?!(?:gb|gib|tb|g|of|with|memory|vram|on|in|per|for|and|using|across|over|a|an|one|two|three|four|eight)\b)[\w-]+\s+){0,2}?${GPU_NAME}\b`,
        'gi',
      ),
    ),
  ];
  // "two 48 GB GPUs", "a 80G card": the size between the count and the cards.
  counts.push(
    ...goal.matchAll(
      new RegExp(
        String.raw`\b${NUMBER}\s+\d+(?:\.\d+)?\s*(?:gb|gib|gi|g)\s+(?:${GPU_NAME}|(?:gpu\s+)?cards?)\b`,
        'gi',
      ),
    ),
  );
  // "GPU x2", "gpus x 4".
  counts.push(...goal.matchAll(/\b(?:gpus?|cards?)\s*[x×]\s*(\d+)\b/gi));
  // "gpus=4", "gpu count two", "number of GPUs: 2".
  counts.push(
    ...goal.matchAll(
      new RegExp(
        String.raw`\b(?:num[_ ]?gpus|n[_ ]?gpus|gpu[_ ]?count|number of gpus|gpus?)\s*(?:=|:|is\b|of\b|count\b)?\s*${NUMBER}\b(?!\s*(?:gb|gib|gi|g|tb|%|x)\b)`,
        'gi',
      ),
    ),
  );
  const count = counts.find((m) => !/^an?$/i.test(m[1] as string)) ?? counts[0];
  if (count) out.gpu = Math.max(1, Math.round(toNumber(count[1]) ?? 1));
  // "48GB per GPU" says a size, not a count.
  else if (
    new RegExp(String.raw`\b${GPU_NAME}\b|\bcuda\b`, 'i').test(
      goal.replace(/\b(?:per|each|every|a)\s+(?:gpu|card|device)\b/gi, ' '),
    )
  )
    out.gpu = 1;
  const gb =
    /(\d+(?:\.\d+)?)\s*(gb|gib|gi|g|gigs?|gigabytes?|gibibytes?|tb|tib|ti|terabytes?|tebibytes?)\b(?:\s+of)?\s*((?:gpu|graphics|video|device) memory|vram|gpu|(?:(?:host|system|cpu|main|machine|node)\s+)?(?:ram|mem+ory|mem)\b)?/gi;
  // "memory 16Gi", "RAM: 64 GB": the word before the size.
  const before = /\b(ram|mem+ory|mem|vram)\s*(?:limit|request|size|budget)?\s*(?:[:=]|of)?\s*$/i;
  for (const m of goal.matchAll(gb)) {
    const unit = (m[2] as string).toLowerCase().startsWith('t') ? 'Ti' : 'Gi';
    const size = `${m[1]}${unit}`;
    const at = m.index ?? 0;
    const lead = goal.slice(Math.max(0, at - 30), at);
    const what = (m[3] ?? before.exec(lead)?.[1] ?? '').toLowerCase();
    const tail = goal.slice(at + m[0].length, at + m[0].length + 20);
    const near = goal.slice(Math.max(0, at - 25), at + m[0].length + 15);
    // Said of each card: "per GPU", "each", "on every card", "GPUs with 40GB", "a 80G card".
    const perCard =
      /^\s*(?:of\s+memory\s+|memory\s+)?(?:per|each|a|on each|on every|for each|on the)\s*(?:gpu|card|device|a100|h100)?\b|^\s*(?:each|apiece)\b|^\s*(?:gpus?|cards?)\b/i.test(
        tail.replace(/^\s*(?:of\s+)?(?:gpu\s+)?memory\b/i, ''),
      ) ||
      /(?:gpus?|cards?|a100s?|h100s?|h200s?|l4s?|t4s?)\s+(?:with|that has|having|of)\s+(?:about\s+|around\s+|at least\s+)?$/i.test(
        lead,
      ) ||
      // "two GPU each one 40GB", "4 cards, every one with 80G".
      /(?:gpus?|cards?)\s*,?\s+(?:each(?:\s+one)?|every\s+one|apiece)\s+(?:(?:with|has|having|gets?|of)\s+)?(?:about\s+|around\s+|at least\s+)?$/i.test(
        lead,
      );
    // "the pod having 64GB", "a node with 128G": the machine's memory.
    const machine =
      /\b(?:pod|node|machine|host|container|box|vm|instance|job)\s+(?:having|with|has|gets?|of)\s+(?:about\s+|around\s+|at least\s+)?$/i.test(
        lead,
      );
    if (/gpu|graphics|video|device|vram/.test(what)) out.gpuMemory = size;
    else if (machine && what === '') out.memory = size;
    else if (/ram|mem/.test(what)) {
      if (what.includes('mem') && !/host|system|cpu|main|machine|node/.test(what) && perCard)
        out.gpuMemory = size;
      else out.memory = size;
    } else if (out.gpu !== undefined && (perCard || /gpu|vram|cuda|a100|h100|card/i.test(near)))
      out.gpuMemory = size;
    // "use 48GB per GPU" in a follow-up: a size per card, the count unchanged.
    else if (perCard && /\b(?:gpus?|cards?|devices?|a100s?|h100s?)\b/i.test(tail)) out.gpuMemory = size;
    else if (/\b(ram|memory)\b/i.test(near)) out.memory = size;
  }
  const cpu = new RegExp(String.raw`\b${NUMBER}\s+(?:cpus?|cores|vcpus?|cpu cores)\b`, 'i').exec(goal);
  if (cpu) out.cpu = toNumber(cpu[1]) ?? 1;
  return out;
}

export const APPROVAL =
  /\bask(?:ing)? me\b|\bwith my (?:approval|ok|okay|sign[- ]?off|consent|go[- ]ahead)\b|\bapprov(?:al|e|es|ed)\b|\bsign[- ]?off\b|\b(?:confirm|check) with me\b|\bhuman[- ]in[- ]the[- ]loop\b|\bmanual(?:ly)? (?:review|approv\w*|check|gate)\b|\bafter i (?:approve|review|confirm|say so)\b|\bwait for (?:me|my)\b|\blet me (?:review|approve|check|confirm|decide)\b|\bonce i(?:'ve| have)? (?:approved|reviewed|confirmed)\b|\bneeds? my (?:ok|okay|approval)\b/i;

/** One name, accented letters included ("Hélène", "Jürgen"), never starting inside a word. */
const ONE_NAME = String.raw`(?<![\w\u00C0-\u024F])@?[a-z\u00C0-\u024F][\w\u00C0-\u024F.-]*`;
/** A list of names: "bob", "alice, bob and carol", "both dave and erin", "either kim or joe". */
const NAMES = String.raw`(?:(?:both|either|all\s+of)\s+)?(${ONE_NAME}(?:\s*(?:,|or|and)\s*${ONE_NAME})*)`;
/** A person, not "the model" or "our team". */
const SUBJECT = String.raw`(?<!\b(?:the|a|an|this|that|my|our|your|their|its|his|her)\s)\b`;
/** Words a name list may catch that name no one: pronouns, possessives ("OK from my side"), fillers. */
const NOT_A_NAME =
  /^(?:me|myself|my|mine|us|our|ours|we|i|you|your|it|its|they|their|them|he|his|she|her|this|that|which|who|the|a|an|someone|somebody|anyone|anybody|team|person|human|manager|owner|also|then|and|but|so|oh|hey|well|actually|now|please|yes|right|first|both|either|to|of|for|with|must|will|should|can|may)$/i;
/** "on 4 GPUs, kim has to approve": a word counted by a number before it is a thing, not a person. */
const counted = (word: string, goal: string) =>
  new RegExp(String.raw`\b\d+\s*${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\b`, 'i').test(goal);

/** Who approves, in the order the wordings are tried; the first that names a person wins. */
const APPROVER_WORDINGS: RegExp[] = [
  // "approval from alice or bob", "ask alice for approval", "have bob sign off".
  new RegExp(String.raw`\bapprov\w*\s+(?:from|by)\s+${NAMES}`, 'i'),
  new RegExp(
    String.raw`\b(?:ask|get|have|let)\s+${NAMES}\s+(?:for\s+(?:an?\s+|the\s+|their\s+|his\s+|her\s+)?(?:approval|sign[- ]?off|ok|okay|go[- ]ahead)|to\s+(?:approve|sign\s+off|review))\b`,
    'i',
  ),
  // "sign-off from carol", "approval has been obtained from both dave and erin".
  new RegExp(
    String.raw`\b(?:sign[- ]?off|approval|go[- ]ahead|ok|okay)\s+(?:(?:has|have|had)\s+been\s+|is\s+|was\s+)?(?:(?:obtained|received|given|granted|secured)\s+)?(?:from|by)\s+${NAMES}`,
    'i',
  ),
  // "dave has to sign off on it", "alice must approve".
  new RegExp(
    String.raw`${SUBJECT}${NAMES}\s+(?:has to|have to|must|needs? to|should|will|shall|is to|are to|gets? to|wants? to|(?:is|are) going to)\s+(?:\w+\s+)?(?:approve|sign[- ]?off|sign it off|ok|okay|review|green[- ]?light)\b`,
    'i',
  ),
  new RegExp(String.raw`${SUBJECT}${NAMES}\s+(?:approves|signs[- ]off|oks|okays)\b`, 'i'),
  // "once alice has approved", "after bob signs off", "when carol and dave have okayed it".
  new RegExp(
    String.raw`\b(?:once|after|when|until|as soon as)\s+${NAMES}\s+(?:(?:has|have|had)\s+)?(?:approved|approves?|signed[- ]off|signs?[- ]off|ok(?:ay)?e?d|ok(?:ay)?s|reviewed|reviews|green[- ]?lit)\b`,
    'i',
  ),
  new RegExp(String.raw`\b(?:have|let|get)\s+${NAMES}\s+(?:approve|sign[- ]?off|review|ok)\b`, 'i'),
  // "erin's approval".
  new RegExp(String.raw`(${ONE_NAME})'s\s+(?:approval|sign[- ]?off|ok|okay|go[- ]ahead)\b`, 'i'),
  // "add bob as approver", "with alice and bob as reviewers", "approver: carol".
  new RegExp(
    String.raw`\b(?:add|make|with|have|set|put)\s+${NAMES}\s+as\s+(?:an?\s+|the\s+)?(?:approvers?|reviewers?|sign[- ]?offs?)\b`,
    'i',
  ),
  new RegExp(String.raw`\b(?:approvers?|reviewers?)\s*(?:[:=]|is|are|should be)\s*${NAMES}`, 'i'),
];

export function parseApprovers(goal: string): string[] {
  for (const re of APPROVER_WORDINGS) {
    for (const said of goal.matchAll(new RegExp(re.source, 'gi'))) {
      const names = (said[1] as string)
        .split(/\s*(?:,|\bor\b|\band\b)\s*/)
        .map((n) => n.replace(/^@/, '').replace(/[.]$/, ''))
        .filter((n) => n && !NOT_A_NAME.test(n) && !counted(n, goal));
      if (names.length) return names;
    }
  }
  return [];
}

export function parseDuration(text: string): string | undefined {
  const m =
    /\b(?:wait|time ?out|expires?|give (?:me|us))\s+(?:up to\s+|for\s+|after\s+|at most\s+)?(\d+)\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d)\b/i.exec(
      text,
    );
  if (!m) return undefined;
  const unit = (m[2] as string).toLowerCase();
  return `${m[1]}${unit.startsWith('d') ? 'd' : unit.startsWith('h') ? 'h' : 'm'}`;
}
