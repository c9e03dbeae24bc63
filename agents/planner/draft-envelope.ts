/** The envelope a drafting LLM answers in: a plan, one question, or a refusal. */
import type { MessageContent } from '@langchain/core/messages';
import { z } from 'zod';
import { Plan } from '../../src/plan/index.ts';
import { messageText } from './tools/index.ts';

/** What an LLM answers: a plan, one question, or a refusal. */
export const DraftEnvelope = z
  .object({
    plan: z.record(z.string(), z.unknown()).optional().describe('The pipeline plan'),
    clarify: z.string().optional().describe('One question, when a required piece is missing'),
    refuse: z.string().optional().describe('Why the goal is unsafe'),
  })
  .describe('The planner answer');

export type Envelope = z.infer<typeof DraftEnvelope>;

/** A free-text answer that is already a complete envelope (JSON, maybe in a code fence), else undefined. */
export function envelopeFromText(content: MessageContent): Envelope | undefined {
  const text = messageText(content);
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const parsed = DraftEnvelope.safeParse(JSON.parse(text.slice(start, end + 1)));
    if (!parsed.success) return undefined;
    const { plan, clarify, refuse } = parsed.data;
    return plan || clarify || refuse ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function envelopeSchema(): Record<string, unknown> {
  const plan = z.toJSONSchema(Plan, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete plan.$schema;
  return {
    type: 'object',
    properties: {
      plan,
      clarify: { type: 'string', description: 'One question, when a required piece is missing' },
      refuse: { type: 'string', description: 'Why the goal is unsafe' },
    },
  };
}
