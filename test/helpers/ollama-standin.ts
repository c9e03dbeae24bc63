/**
 * A stand-in of Ollama's `POST /api/chat` on 127.0.0.1: NDJSON streamed answers (`stream: true`, which
 * ChatOllama always asks for), a single JSON object otherwise; tool calls when tools are offered, else content
 * (the `format` JSON schema of structured output is recorded, not enforced); `POST /api/embed` when given
 * an embedding script.
 */
import type { ServerResponse } from 'node:http';
import {
  closeServer,
  type EmbeddingScript,
  listen,
  type RecordedRequest,
  type Standin,
  type StandinScript,
} from './openai-standin.ts';

export async function startOllamaStandin(
  script: StandinScript,
  embeddings?: EmbeddingScript,
): Promise<Standin> {
  const requests: RecordedRequest[] = [];
  let n = 0;
  let e = 0;
  let hanging = new Set<ServerResponse>();
  const {
    server,
    port,
    hanging: h,
  } = await listen((req, res) => {
    if (req.path === '/api/embed' && embeddings) {
      const input = req.body.input;
      const texts = (Array.isArray(input) ? input : [input]).map(String);
      const answer = embeddings(texts, req, e++);
      res.writeHead('status' in answer ? answer.status : 200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          'status' in answer
            ? answer.body
            : {
                model: String(req.body.model ?? 'standin'),
                embeddings: answer,
                prompt_eval_count: texts.length,
              },
        ),
      );
      return;
    }
    if (req.path !== '/api/chat') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `no route ${req.path}` }));
      return;
    }
    const answer = script(req, n++);
    if ('hang' in answer) {
      hanging.add(res);
      return;
    }
    if ('status' in answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const model = String(req.body.model ?? 'standin');
    const tools = req.body.tools as { function: { name: string } }[] | undefined;
    const toolName = 'json' in answer && tools?.length ? tools[0]?.function.name : undefined;
    const content = 'text' in answer ? answer.text : JSON.stringify(answer.json);
    const at = () => new Date().toISOString();
    const done = {
      model,
      created_at: at(),
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      total_duration: 1000,
      prompt_eval_count: 10,
      eval_count: 10,
    };
    const lines: unknown[] = toolName
      ? [
          {
            model,
            created_at: at(),
            message: {
              role: 'assistant',
              content: '',
              tool_calls: [{ function: { name: toolName, arguments: 'json' in answer ? answer.json : {} } }],
            },
            done: false,
          },
        ]
      : (content.match(/[\s\S]{1,40}/g) ?? ['']).map((p) => ({
          model,
          created_at: at(),
          message: { role: 'assistant', content: p },
          done: false,
        }));
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    if (req.body.stream === false) {
      res.end(JSON.stringify({ ...done, message: { role: 'assistant', content } }));
      return;
    }
    for (const l of lines) res.write(`${JSON.stringify(l)}\n`);
    res.end(`${JSON.stringify(done)}\n`);
  }, requests);
  hanging = h;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => closeServer(server, hanging) };
}
