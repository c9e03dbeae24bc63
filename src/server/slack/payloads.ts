/** Zod schemas of what Slack sends: slash commands, block actions, events. */
import { z } from 'zod';

export const SlashCommand = z.looseObject({
  command: z.string().describe('The slash command, e.g. /pipewright'),
  text: z.string().default('').describe('Everything after the command'),
  user_id: z.string().describe('Who typed it'),
  channel_id: z.string().describe('Where it was typed'),
  response_url: z.string().url().describe('Where to post the answer (valid 30 minutes)'),
});
export type SlashCommand = z.infer<typeof SlashCommand>;

export const BlockActions = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id: z.string() }),
  actions: z
    .array(z.looseObject({ action_id: z.string(), value: z.string().optional() }))
    .min(1)
    .describe('The button that was clicked'),
  response_url: z.string().url().optional(),
  channel: z.looseObject({ id: z.string() }).optional(),
  message: z.looseObject({ ts: z.string() }).optional(),
});
export type BlockActions = z.infer<typeof BlockActions>;

export const ApprovalButtonValue = z.object({
  runId: z.string().describe('The run waiting for the decision'),
  stepId: z.string().describe('The approval step'),
});

export const SlackEvent = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string() }),
  z.looseObject({
    type: z.literal('event_callback'),
    event_id: z.string(),
    event: z.looseObject({
      type: z.string(),
      user: z.string().optional(),
      text: z.string().default(''),
      channel: z.string().optional(),
      ts: z.string().optional(),
      thread_ts: z.string().optional(),
      bot_id: z.string().optional(),
    }),
  }),
]);
export type SlackEvent = z.infer<typeof SlackEvent>;

export interface SlackMessage {
  text: string;
  blocks?: Record<string, unknown>[];
}
