/** Registers `pipewright chat`; the conversation itself (chat.ts: planner, LangGraph, engine) loads when it runs. */
import type { Command } from 'commander';
import type { LlmOverrides } from '../../llm/index.ts';
import type { GlobalOptions } from '../context.ts';

export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description('a conversation: goal → plan → approve / edit / reject → run with live progress → results')
    .option('--provider <provider>', 'who drafts plans: offline | openai | ollama | llamacpp')
    .option('--model <name>', 'model name (openai, ollama) or GGUF path (llamacpp)')
    .option('--base-url <url>', 'OpenAI-compatible or Ollama server URL')
    .option('--no-run', 'stop once the plan is approved')
    .option(
      '--resume <thread>',
      'continue a plan review left open (q) in an earlier chat; the thread id is printed with the plan',
    )
    .action(async (opts: LlmOverrides & { run: boolean; resume?: string }) => {
      const { runChat } = await import('./chat.ts');
      process.exitCode = await runChat(program.opts() as GlobalOptions, opts);
    });
}
