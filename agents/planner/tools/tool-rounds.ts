/**
 * A bounded loop of tool rounds: the model (bound with bindTools) answers; each tool call it makes is run
 * and answered with a ToolMessage (an error ToolMessage when the call fails: a path outside the workspace,
 * bad arguments, an unknown tool); then the model is asked again. After `maxRounds` rounds with tool calls
 * the loop stops even if the model asks for more.
 */
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import {
  type AIMessageChunk,
  type BaseMessage,
  type MessageContent,
  ToolMessage,
} from '@langchain/core/messages';
import type { Runnable } from '@langchain/core/runnables';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { isPipewrightError } from '../../../src/errors.ts';

export interface ToolCallRecord {
  name: string;
  args: Record<string, unknown>;
  ok: boolean;
  /** What the model got back (JSON on success, "error: …" on failure). */
  content: string;
}

export interface ToolRoundsResult {
  /** The model's answer after its last tool round; absent when it still asked for tools at the bound. */
  final?: AIMessageChunk;
  calls: ToolCallRecord[];
  messages: BaseMessage[];
}

const MAX_TOOL_OUTPUT = 8000;

/** The text of a tool failure: what, why and how to fix for our errors; never a stack or file contents. */
export function toolErrorText(e: unknown): string {
  if (isPipewrightError(e)) return [e.what, e.why, e.fix].filter(Boolean).join('. ');
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]?.slice(0, 300) ?? 'failed';
}

export function messageText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content
    .map((b) => (typeof b === 'string' ? b : b.type === 'text' && 'text' in b ? String(b.text) : ''))
    .join('');
}

export async function runToolRounds(
  model: Runnable<BaseLanguageModelInput, AIMessageChunk>,
  messages: BaseMessage[],
  tools: StructuredToolInterface[],
  maxRounds: number,
): Promise<ToolRoundsResult> {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const history = [...messages];
  const calls: ToolCallRecord[] = [];
  for (let round = 0; ; round++) {
    const ai = await model.invoke(history);
    const requested = ai.tool_calls ?? [];
    const invalid = ai.invalid_tool_calls ?? [];
    if (requested.length === 0 && invalid.length === 0) return { final: ai, calls, messages: history };
    if (round >= maxRounds) return { calls, messages: history };
    history.push(ai);
    for (const [i, call] of requested.entries()) {
      const id = call.id ?? `call_${round}_${i}`;
      const t = byName.get(call.name);
      let content: string;
      let ok = false;
      try {
        if (!t) throw new Error(`no tool "${call.name}"; tools: ${[...byName.keys()].join(', ')}`);
        const out: unknown = await t.invoke(call.args);
        content = (typeof out === 'string' ? out : JSON.stringify(out)).slice(0, MAX_TOOL_OUTPUT);
        ok = true;
      } catch (e) {
        content = `error: ${toolErrorText(e)}`;
      }
      calls.push({ name: call.name, args: call.args, ok, content });
      history.push(
        new ToolMessage({ tool_call_id: id, name: call.name, content, status: ok ? 'success' : 'error' }),
      );
    }
    for (const [i, bad] of invalid.entries()) {
      const content = `error: the arguments were not valid JSON (${bad.error ?? 'unparseable'})`;
      calls.push({ name: bad.name ?? 'unknown', args: {}, ok: false, content });
      history.push(
        new ToolMessage({
          tool_call_id: bad.id ?? `invalid_${round}_${i}`,
          name: bad.name ?? 'unknown',
          content,
          status: 'error',
        }),
      );
    }
  }
}
