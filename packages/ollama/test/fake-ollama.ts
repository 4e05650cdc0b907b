import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small wire-level stand-in for Ollama's `/api/embed` and `/api/chat`, for tests only. It
 * checks request shapes, answers in Ollama's JSON (NDJSON for streams, which is Ollama's default)
 * with its error shape `{"error":"..."}`, and can be told to fail the next requests (429 with
 * retry-after, 500, 503 busy, malformed JSON, an error line in the middle of a stream).
 *
 * Embeddings are deterministic unit-length hashed bags of words. Answers are
 * `Answer to: <last user message>`, cut to `options.num_predict` words.
 */

const EMBED_MODELS: Record<string, number> = { 'nomic-embed-text': 768, 'all-minilm': 384 };
const CHAT_MODELS = new Set(['llama3.2', 'qwen2.5:0.5b']);

/** A scripted answer for the next request to a path. */
export interface ScriptedFailure {
  status: number;
  headers?: Record<string, string>;
  /** Raw body; default `{"error":"..."}` for `status`. */
  body?: string;
  /** For `/api/chat` streams: send this many lines, then an error line (status must be 200). */
  failStreamAfter?: number;
}

/** One request the fake received. */
export interface RecordedRequest {
  path: string;
  body: unknown;
}

class OllamaError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class FakeOllama {
  readonly requests: RecordedRequest[] = [];
  #script = new Map<string, ScriptedFailure[]>();
  #server: Server;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<FakeOllama> {
    const fake = new FakeOllama();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Answers the next requests to `path` (`/api/embed`, `/api/chat`) with these, in order. */
  failNext(path: string, ...failures: ScriptedFailure[]): void {
    this.#script.set(path, [...(this.#script.get(path) ?? []), ...failures]);
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const sendError = (status: number, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify({ error: message }));
    };
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      sendError(400, (error as Error).message);
      return;
    }
    this.requests.push({ path, body });
    const scripted = this.#script.get(path)?.shift();
    if (scripted && scripted.failStreamAfter === undefined) {
      if (scripted.body !== undefined) {
        res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
        res.end(scripted.body);
      } else {
        sendError(scripted.status, defaultMessage(scripted.status), scripted.headers);
      }
      return;
    }
    try {
      if (req.method === 'POST' && path === '/api/embed') {
        const answer = JSON.stringify(embed(body));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(answer);
      } else if (req.method === 'POST' && path === '/api/chat') {
        chat(body, res, scripted?.failStreamAfter);
      } else {
        sendError(404, '404 page not found');
      }
    } catch (error) {
      if (error instanceof OllamaError) sendError(error.status, error.message);
      else sendError(500, (error as Error).message);
    }
  }
}

function defaultMessage(status: number): string {
  if (status === 429) return 'too many requests';
  if (status === 503) return 'server busy, please try again.  maximum pending requests exceeded';
  return 'llama runner process has terminated: exit status 2';
}

function embed(body: unknown) {
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '')
    throw new OllamaError(400, 'model is required');
  const native = EMBED_MODELS[b.model.replace(/:latest$/, '')];
  if (native === undefined) {
    throw new OllamaError(404, `model "${b.model}" not found, try pulling it first`);
  }
  const input = typeof b.input === 'string' ? [b.input] : b.input;
  if (!Array.isArray(input) || input.some((t) => typeof t !== 'string')) {
    throw new OllamaError(400, 'invalid input type');
  }
  let dim = native;
  if (b.dimensions !== undefined) {
    if (
      !Number.isInteger(b.dimensions) ||
      (b.dimensions as number) < 1 ||
      (b.dimensions as number) > native
    ) {
      throw new OllamaError(400, `invalid dimensions: ${String(b.dimensions)}`);
    }
    dim = b.dimensions as number;
  }
  if (b.options !== undefined && (typeof b.options !== 'object' || b.options === null)) {
    throw new OllamaError(400, 'options must be an object');
  }
  return {
    model: b.model,
    embeddings: (input as string[]).map((text) => Array.from(hashedEmbedding(text, dim))),
    total_duration: 14143917,
    load_duration: 1019500,
    prompt_eval_count: (input as string[]).reduce((s, t) => s + words(t).length, 0),
  };
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function hashedEmbedding(text: string, dim: number): Float32Array {
  const v = new Float32Array(dim);
  const add = (token: string, weight: number) => {
    const h = createHash('sha256').update(token).digest();
    for (let j = 0; j < 4; j++) {
      const index = h.readUInt32LE(j * 4) % dim;
      v[index] = (v[index] as number) + ((h[16 + j] as number) & 1 ? weight : -weight);
    }
  };
  for (const w of words(text)) add(w, 1);
  add(`\u0000${text}`, 0.25);
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i] = (v[i] as number) / n;
  return v;
}

function chat(body: unknown, res: ServerResponse, failStreamAfter: number | undefined): void {
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '')
    throw new OllamaError(400, 'model is required');
  if (!CHAT_MODELS.has(b.model))
    throw new OllamaError(404, `model "${b.model}" not found, try pulling it first`);
  const messages = b.messages;
  if (!Array.isArray(messages)) throw new OllamaError(400, 'messages must be an array');
  for (const m of messages as Array<Record<string, unknown>>) {
    if (
      !['system', 'user', 'assistant', 'tool'].includes(m.role as string) ||
      typeof m.content !== 'string'
    ) {
      throw new OllamaError(400, 'invalid message format');
    }
  }
  const options = (b.options ?? {}) as Record<string, unknown>;
  if (typeof options !== 'object') throw new OllamaError(400, 'options must be an object');
  const tools = b.tools as { function?: { name?: string } }[] | undefined;
  const lastRole = (messages.at(-1) as { role: string }).role;
  if (Array.isArray(tools) && tools.length > 0 && lastRole === 'user') {
    // Ollama sends a tool call whole, its arguments an object, without an id.
    const message = {
      role: 'assistant',
      content: '',
      tool_calls: [
        { function: { name: tools[0]?.function?.name ?? 'f', arguments: { city: 'Paris' } } },
      ],
    };
    const done = { done: true, done_reason: 'stop', prompt_eval_count: 12, eval_count: 6 };
    const createdAt = new Date().toISOString();
    if (b.stream === false) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ model: b.model, created_at: createdAt, message, ...done }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(
      `${JSON.stringify({ model: b.model, created_at: createdAt, message, done: false })}\n`,
    );
    res.end(
      `${JSON.stringify({ model: b.model, created_at: createdAt, message: { role: 'assistant', content: '' }, ...done })}\n`,
    );
    return;
  }
  const last = [...(messages as Array<{ role: string; content: string }>)]
    .reverse()
    .find((m) => m.role === 'user');
  let answer = `Answer to: ${last?.content ?? ''}`.split(' ');
  let reason = 'stop';
  const limit = options.num_predict as number | undefined;
  if (limit !== undefined && limit >= 0 && answer.length > limit) {
    answer = answer.slice(0, limit);
    reason = 'length';
  }
  const promptEval = (messages as Array<{ content: string }>).reduce(
    (s, m) => s + words(m.content).length,
    0,
  );
  const final = {
    done: true,
    done_reason: reason,
    total_duration: 5043500667,
    load_duration: 5025959,
    prompt_eval_count: promptEval,
    prompt_eval_duration: 325953000,
    eval_count: answer.length,
    eval_duration: 4709213000,
  };
  const createdAt = new Date().toISOString();
  if (b.stream === false) {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        model: b.model,
        created_at: createdAt,
        message: { role: 'assistant', content: answer.join(' ') },
        ...final,
      }),
    );
    return;
  }
  // Ollama streams by default: one JSON object per line.
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  answer.forEach((word, i) => {
    if (failStreamAfter !== undefined && i === failStreamAfter) {
      res.write(
        `${JSON.stringify({ error: 'an error was encountered while running the model: unexpected EOF' })}\n`,
      );
    }
    if (failStreamAfter !== undefined && i >= failStreamAfter) return;
    res.write(
      `${JSON.stringify({ model: b.model, created_at: createdAt, message: { role: 'assistant', content: i === 0 ? word : ` ${word}` }, done: false })}\n`,
    );
  });
  if (failStreamAfter !== undefined && failStreamAfter < answer.length) {
    res.end();
    return;
  }
  res.end(
    `${JSON.stringify({ model: b.model, created_at: createdAt, message: { role: 'assistant', content: '' }, ...final })}\n`,
  );
}
