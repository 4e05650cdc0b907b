import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small wire-level stand-in for OpenAI's `/v1/embeddings` and `/v1/chat/completions`, for
 * tests only. It checks the bearer token and request shapes, answers in the API's JSON (and SSE
 * for streams) with its error envelope `{"error":{"message","type","param","code"}}`, and can
 * be told to fail the next requests (429 with retry-after, 500, malformed JSON).
 *
 * Embeddings are deterministic hashed bags of words, so texts sharing words are similar.
 * Answers are `Answer to: <last user message>`, cut to `max_completion_tokens` words.
 */

export const FAKE_API_KEY = 'sk-fake-test-key';

const NATIVE: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** A scripted answer for the next request to `path`. */
export interface ScriptedFailure {
  status: number;
  headers?: Record<string, string>;
  /** Raw body; default an OpenAI error envelope for `status`. */
  body?: string;
}

/** One request the fake received. */
export interface RecordedRequest {
  path: string;
  body: unknown;
  headers: IncomingMessage['headers'];
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** A running fake; `baseURL` is what the SDK takes (ends in `/v1`). */
export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  /** Holds every chat answer this long, so that concurrent callers overlap. */
  chatDelayMs = 0;
  #script = new Map<string, ScriptedFailure[]>();
  #server: Server;
  baseURL = '';

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.baseURL = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}/v1`;
    return fake;
  }

  /** Answers the next requests to `path` (`/v1/embeddings`...) with these, in order. */
  failNext(path: string, ...failures: ScriptedFailure[]): void {
    this.#script.set(path, [...(this.#script.get(path) ?? []), ...failures]);
  }

  /** Requests received for `path`. */
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
    const sendError = (e: ApiError, headers: Record<string, string> = {}) => {
      res.writeHead(e.status, { 'content-type': 'application/json', ...headers });
      res.end(
        JSON.stringify({
          error: { message: e.message, type: e.type, param: e.param, code: e.code },
        }),
      );
    };
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      sendError(new ApiError(400, 'We could not parse the JSON body of your request.'));
      return;
    }
    this.requests.push({ path, body, headers: req.headers });
    if (req.headers.authorization !== `Bearer ${FAKE_API_KEY}`) {
      sendError(
        new ApiError(
          401,
          'Incorrect API key provided.',
          'invalid_request_error',
          null,
          'invalid_api_key',
        ),
      );
      return;
    }
    const scripted = this.#script.get(path)?.shift();
    if (scripted) {
      if (scripted.body !== undefined) {
        res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
        res.end(scripted.body);
      } else {
        sendError(defaultError(scripted.status), scripted.headers);
      }
      return;
    }
    try {
      if (req.method === 'POST' && path === '/v1/embeddings') {
        const answer = JSON.stringify(embeddings(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(answer);
      } else if (req.method === 'POST' && path === '/v1/chat/completions') {
        if (this.chatDelayMs > 0) await new Promise((r) => setTimeout(r, this.chatDelayMs));
        chat(body, res);
      } else {
        throw new ApiError(404, `Invalid URL (${req.method} ${path})`);
      }
    } catch (error) {
      if (error instanceof ApiError) sendError(error);
      else sendError(new ApiError(500, (error as Error).message, 'server_error'));
    }
  }
}

function defaultError(status: number): ApiError {
  if (status === 429) {
    return new ApiError(
      429,
      'Rate limit reached for requests.',
      'requests',
      null,
      'rate_limit_exceeded',
    );
  }
  if (status >= 500) {
    return new ApiError(
      status,
      'The server had an error while processing your request. Sorry about that!',
      'server_error',
    );
  }
  return new ApiError(status, `Error ${status}`);
}

function embeddings(body: unknown) {
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string')
    throw new ApiError(400, 'you must provide a model parameter', 'invalid_request_error', 'model');
  const native = NATIVE[b.model];
  if (native === undefined) {
    throw new ApiError(
      404,
      `The model \`${b.model}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      null,
      'model_not_found',
    );
  }
  const input = typeof b.input === 'string' ? [b.input] : b.input;
  if (
    !Array.isArray(input) ||
    input.length === 0 ||
    input.some((t) => typeof t !== 'string' || t.length === 0)
  ) {
    throw new ApiError(
      400,
      "'$.input' is invalid. Please check the API reference.",
      'invalid_request_error',
      'input',
    );
  }
  if (input.length > 2048) {
    throw new ApiError(
      400,
      `'$.input' is invalid: ${input.length} items is more than the maximum of 2048.`,
      'invalid_request_error',
      'input',
    );
  }
  let dim = native;
  if (b.dimensions !== undefined) {
    if (b.model === 'text-embedding-ada-002') {
      throw new ApiError(
        400,
        'This model does not support specifying dimensions.',
        'invalid_request_error',
        'dimensions',
      );
    }
    if (
      !Number.isInteger(b.dimensions) ||
      (b.dimensions as number) < 1 ||
      (b.dimensions as number) > native
    ) {
      throw new ApiError(
        400,
        `Invalid value for 'dimensions' = ${String(b.dimensions)}.`,
        'invalid_request_error',
        'dimensions',
      );
    }
    dim = b.dimensions as number;
  }
  const format = b.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    throw new ApiError(
      400,
      `Invalid value for 'encoding_format' = ${String(format)}.`,
      'invalid_request_error',
      'encoding_format',
    );
  }
  let tokens = 0;
  const data = (input as string[]).map((text, index) => {
    const vector = hashedEmbedding(text, dim);
    tokens += words(text).length;
    return {
      object: 'embedding',
      index,
      embedding:
        format === 'base64'
          ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
          : Array.from(vector),
    };
  });
  return {
    object: 'list',
    data,
    model: b.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Unit-length hashed bag of words (plus the whole text, so different texts never coincide). */
export function hashedEmbedding(text: string, dim: number): Float32Array {
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

function chat(body: unknown, res: ServerResponse): void {
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model.length === 0) {
    throw new ApiError(400, 'you must provide a model parameter', 'invalid_request_error', 'model');
  }
  const messages = b.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new ApiError(
      400,
      "'messages' must contain at least one message.",
      'invalid_request_error',
      'messages',
    );
  }
  for (const [i, m] of messages.entries()) {
    const role = (m as { role?: unknown }).role;
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(role as string)) {
      throw new ApiError(
        400,
        `Invalid value for 'messages[${i}].role'.`,
        'invalid_request_error',
        `messages[${i}].role`,
      );
    }
    const toolCallsOnly =
      role === 'assistant' &&
      (m as { content?: unknown }).content === null &&
      Array.isArray((m as { tool_calls?: unknown }).tool_calls);
    if (role === 'tool' && typeof (m as { tool_call_id?: unknown }).tool_call_id !== 'string') {
      throw new ApiError(400, `Missing 'messages[${i}].tool_call_id'.`);
    }
    if (!toolCallsOnly && typeof (m as { content?: unknown }).content !== 'string') {
      throw new ApiError(
        400,
        `Invalid type for 'messages[${i}].content': expected a string.`,
        'invalid_request_error',
        `messages[${i}].content`,
      );
    }
  }
  const tools = b.tools as { function?: { name?: string } }[] | undefined;
  if (Array.isArray(tools) && tools.length > 0 && messages.at(-1)?.role === 'user') {
    toolCallAnswer(b, res, tools[0]?.function?.name ?? 'f');
    return;
  }
  if (b.max_tokens !== undefined && b.max_completion_tokens !== undefined) {
    throw new ApiError(400, 'max_tokens and max_completion_tokens cannot both be set.');
  }
  const last = [...messages].reverse().find((m) => (m as { role: string }).role === 'user') as
    | { content: string }
    | undefined;
  const limit = (b.max_completion_tokens ?? b.max_tokens) as number | undefined;
  let answerWords = `Answer to: ${last?.content ?? ''}`.split(' ');
  let finish = 'stop';
  if (limit !== undefined && answerWords.length > limit) {
    answerWords = answerWords.slice(0, limit);
    finish = 'length';
  }
  const content = answerWords.join(' ');
  const promptTokens = messages.reduce(
    (s, m) => s + words((m as { content: string | null }).content ?? '').length,
    0,
  );
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: answerWords.length,
    total_tokens: promptTokens + answerWords.length,
  };
  const id = `chatcmpl-fake${Math.random().toString(36).slice(2, 10)}`;
  const created = Math.floor(Date.now() / 1000);
  if (b.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: `${b.model}-2024-07-18`,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: finish,
          },
        ],
        usage,
        system_fingerprint: 'fp_fake',
      }),
    );
    return;
  }
  const base = {
    id,
    object: 'chat.completion.chunk',
    created,
    model: `${b.model}-2024-07-18`,
    system_fingerprint: 'fp_fake',
  };
  const includeUsage =
    (b.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  send({
    ...base,
    choices: [
      {
        index: 0,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      },
    ],
    ...(includeUsage ? { usage: null } : {}),
  });
  answerWords.forEach((w, i) => {
    send({
      ...base,
      choices: [
        {
          index: 0,
          delta: { content: i === 0 ? w : ` ${w}` },
          logprobs: null,
          finish_reason: null,
        },
      ],
      ...(includeUsage ? { usage: null } : {}),
    });
  });
  send({
    ...base,
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  if (includeUsage) send({ ...base, choices: [], usage });
  res.end('data: [DONE]\n\n');
}

/** Answers a request with tools by calling the first one (plain, or streamed in argument pieces). */
function toolCallAnswer(b: Record<string, unknown>, res: ServerResponse, name: string): void {
  const id = `chatcmpl-fake${Math.random().toString(36).slice(2, 10)}`;
  const call = {
    id: 'call_fake_1',
    type: 'function',
    function: { name, arguments: '{"city":"Paris"}' },
  };
  const base = {
    id,
    created: Math.floor(Date.now() / 1000),
    model: `${b.model}-2024-07-18`,
    system_fingerprint: 'fp_fake',
  };
  const usage = { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 };
  if (b.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              annotations: [],
              tool_calls: [call],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`,
    );
  send([
    {
      index: 0,
      delta: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { index: 0, id: call.id, type: 'function', function: { name, arguments: '' } },
        ],
      },
      finish_reason: null,
    },
  ]);
  for (const piece of ['{"city"', ':"Paris"}']) {
    send([
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] },
        finish_reason: null,
      },
    ]);
  }
  send([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]);
  send([], { usage });
  res.end('data: [DONE]\n\n');
}
