/**
 * A stand-in of the OpenAI chat-completions protocol on 127.0.0.1 (node:http, never the internet):
 * `POST /v1/chat/completions`, non-streamed JSON or SSE (`stream: true`), tool calls (when the request
 * offers tools) and plain content (json_schema / json_object response formats, or text). Each request is
 * recorded with its headers so tests can check what our code sends. With an embedding script it also
 * answers `POST /v1/embeddings` (float or base64 vectors, as asked).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
}

/** What the stand-in answers: a JSON value (as a tool call when tools are offered, else content), text, an HTTP error, or nothing. */
export type StandinAnswer =
  | { json: unknown }
  | { text: string }
  | { status: number; body: unknown }
  | { hang: true };

export type StandinScript = (req: RecordedRequest, index: number) => StandinAnswer;

/**
 * Embeddings (`POST /v1/embeddings` here, `/api/embed` in the Ollama stand-in): the vectors for the texts of
 * one request, or an HTTP error. `index` counts embedding requests.
 */
export type EmbeddingScript = (
  texts: string[],
  req: RecordedRequest,
  index: number,
) => number[][] | { status: number; body: unknown };

export interface Standin {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function listen(
  handle: (req: RecordedRequest, res: ServerResponse) => void,
  requests: RecordedRequest[],
): Promise<{ server: Server; port: number; hanging: Set<ServerResponse> }> {
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      raw += c;
    });
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        // Keep the raw text only.
      }
      const rec = { path: req.url ?? '', headers: req.headers, body, raw };
      requests.push(rec);
      handle(rec, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hanging };
}

export async function closeServer(server: Server, hanging: Set<ServerResponse>): Promise<void> {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

export async function startOpenAIStandin(
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
    if (req.path === '/v1/embeddings' && embeddings) {
      const input = req.body.input;
      const texts = (Array.isArray(input) ? input : [input]).map(String);
      const answer = embeddings(texts, req, e++);
      res.writeHead('status' in answer ? answer.status : 200, { 'content-type': 'application/json' });
      if ('status' in answer) {
        res.end(JSON.stringify(answer.body));
        return;
      }
      const base64 = req.body.encoding_format === 'base64';
      const data = answer.map((v, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
      }));
      const tokens = texts.reduce((a, t) => a + Math.ceil(t.length / 4), 0);
      res.end(
        JSON.stringify({
          object: 'list',
          data,
          model: String(req.body.model ?? 'standin'),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        }),
      );
      return;
    }
    if (req.path !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.path}` } }));
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
    const id = `chatcmpl-${n}`;
    const created = Math.floor(Date.now() / 1000);
    if (req.body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const send = (delta: Record<string, unknown>, finish: string | null = null) =>
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
        );
      send({ role: 'assistant', content: toolName ? null : '' });
      // Split into pieces so the client has to reassemble the stream.
      const pieces = content.match(/[\s\S]{1,40}/g) ?? [''];
      if (toolName) {
        send({
          tool_calls: [
            { index: 0, id: `call_${n}`, type: 'function', function: { name: toolName, arguments: '' } },
          ],
        });
        for (const p of pieces) send({ tool_calls: [{ index: 0, function: { arguments: p } }] });
        send({}, 'tool_calls');
      } else {
        for (const p of pieces) send({ content: p });
        send({}, 'stop');
      }
      if ((req.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage)
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 } })}\n\n`,
        );
      res.write('data: [DONE]\n\n');
      res.end();
      return;
    }
    const message = toolName
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: `call_${n}`, type: 'function', function: { name: toolName, arguments: content } },
          ],
        }
      : { role: 'assistant', content };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, finish_reason: toolName ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
      }),
    );
  }, requests);
  hanging = h;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => closeServer(server, hanging),
  };
}
