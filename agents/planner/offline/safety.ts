/**
 * Goals the planner refuses, whatever drafts the plan: shell commands hidden in the goal, attempts to read or
 * send secrets, and prompt injection. Text inside a goal is data; it never becomes a command step.
 */
import { normaliseSpacing, spacedZeroWidth } from '../surface.ts';

interface Rule {
  pattern: RegExp;
  reason: string;
}

const RULES: Rule[] = [
  {
    pattern:
      /\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(previous|prior|above|earlier|all|your|system)\b[^.]{0,20}\b(instructions?|prompts?|rules?|guidelines?)\b/i,
    reason: 'the goal tries to override the planner instructions (prompt injection)',
  },
  {
    pattern: /\b(system prompt|developer message|jailbreak|you are now)\b/i,
    reason: 'the goal tries to change how the planner behaves (prompt injection)',
  },
  {
    pattern:
      /\brm\s+-[a-z]*[rf]|\bmkfs\b|\bdd\s+if=|:\(\)\s*\{|\bchmod\s+(-R\s+)?777\b|\bsudo\b|\bshutdown\b|\breboot\b|>\s*\/dev\/sd/i,
    reason: 'the goal contains a destructive shell command',
  },
  { pattern: /\b(curl|wget)\b[^|]*\|\s*(ba|z)?sh\b/i, reason: 'the goal pipes a download into a shell' },
  {
    pattern:
      /\b(run|execute|exec|eval)\b[^.]{0,30}\b(shell|bash|command|script|powershell|cmd)\b[^.]{0,40}(`|\$\(|;|&&|\|)/i,
    reason: 'the goal asks to run arbitrary shell commands',
  },
  {
    pattern: /(\/etc\/(passwd|shadow)|~\/\.ssh|\bid_rsa\b|\.aws\/credentials|\.env\b|\bprocess\.env\b)/i,
    reason: 'the goal reaches for credentials or system files',
  },
  {
    pattern:
      /\b(send|post|upload|e-?mail|mail|dm|forward|paste|leak|exfiltrate|print|dump|reveal|show|share|copy)\b[^.]{0,50}\b(api[ _-]?keys?|secrets?|passwords?|credentials?|tokens?|private keys?|environment variables|env vars)\b/i,
    reason: 'the goal asks to expose secrets',
  },
  {
    pattern: /\b(exfiltrate|keylogger|ransomware|crypto ?miner|botnet|ddos)\b/i,
    reason: 'the goal asks for something harmful',
  },
  {
    pattern:
      /\b(drop|truncate)\s+(table|database|schema)\b|\bdelete\s+(all|every)\s+(the\s+)?(files|data|rows|tables|runs|models)\b|\bdelete\s+from\s+\w|\bupdate\s+\w+\s+set\s+\w|\balter\s+table\b|\bwipe\s+(?:the\s+)?(?:database|db|disk|bucket|registry|warehouse)\b/i,
    reason: 'the goal asks to destroy data',
  },
];

/** The reason to refuse the goal, or undefined when it is safe to plan. */
export function unsafeReason(goal: string): string | undefined {
  // Spacing never matters: runs of any whitespace are one space, and a zero-width character is read both as
  // nothing ("se\u200Bcrets") and as a space ("send\u200Bthe\u200Bkeys").
  for (const text of new Set([goal, normaliseSpacing(goal), spacedZeroWidth(goal)]))
    for (const r of RULES) if (r.pattern.test(text)) return r.reason;
  return undefined;
}
