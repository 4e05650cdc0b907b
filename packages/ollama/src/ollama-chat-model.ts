import { randomBytes } from 'node:crypto';
import {
  type CallOptions,
  type ChatChunk,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  InvalidOptionError,
  InvalidRequestError,
  type RetryOptions,
  type RetryPolicy,
  retryPolicy,
  type TokenUsage,
  withRetries,
} from '@cache/core';
import { lines } from './ndjson.js';
import {
  judgeOllamaError,
  normalizeBaseUrl,
  OllamaProtocolError,
  parseJson,
  postJson,
  toCacheError,
} from './ollama-http.js';

/** Options of {@link OllamaChatModel}. */
export interface OllamaChatModelOptions extends RetryOptions {
  /** Server address. Default `OLLAMA_URL`, else `http://127.0.0.1:11434`. */
  baseUrl?: string;
  /** Identifier in metrics and logs. Default `ollama`. */
  id?: string;
  /** Timeout of a whole call (a stream included) in ms. Default 300 000. */
  timeoutMs?: number;
  /** How long the server keeps the model loaded (`keep_alive`). Server default when absent. */
  keepAlive?: string | number;
  /** Extra HTTP headers (e.g. `Authorization` for a proxy or ollama.com). */
  headers?: Record<string, string>;
}

/** Counters of {@link OllamaChatModel}. */
export interface OllamaChatModelStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Retries after 429, 5xx, timeouts or network errors. */
  retries: number;
  /** Calls that failed after retries. */
  failures: number;
}

/** One object of Ollama's `/api/chat` answer (the whole answer, or one NDJSON line of a stream). */
interface OllamaChatPart {
  model?: string;
  message?: { role?: string; content?: string; tool_calls?: OllamaToolCall[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

/** A tool call as Ollama writes it: the arguments are a JSON object, not text. */
interface OllamaToolCall {
  id?: string;
  function?: { name?: string; arguments?: unknown; index?: number };
}

/** `ChatRequest.extra` fields (OpenAI wire names) and the Ollama `options` they map to. */
const EXTRA_OPTIONS: Record<string, string> = {
  max_tokens: 'num_predict',
  presence_penalty: 'presence_penalty',
  frequency_penalty: 'frequency_penalty',
};

/**
 * A `ChatModel` on Ollama's `/api/chat` over the global `fetch`. `stream` reads Ollama's NDJSON
 * stream line by line. Temperature, top-p, max tokens (`num_predict`), stop and seed go into
 * `options`; `responseFormat` into `format` (OpenAI's `json_object` as `json`, a `json_schema`
 * as its schema); tools into `tools`. Tool calls come back with their arguments as JSON text;
 * assistant tool calls and tool results of the conversation are sent as Ollama expects them
 * (`tool_calls` with argument objects, `tool_name` on results). `extra` fields Ollama has an
 * option for (`max_tokens`, `presence_penalty`, `frequency_penalty`) are mapped, any other is
 * refused with `InvalidRequestError` (never dropped). A stream is retried only until its
 * response starts.
 */
export class OllamaChatModel implements ChatModel {
  /** Identifier in metrics and logs. */
  readonly id: string;
  /** Server address, without a trailing slash. */
  readonly baseUrl: string;

  readonly #timeoutMs: number;
  readonly #keepAlive: string | number | undefined;
  readonly #headers: Record<string, string>;
  readonly #policy: RetryPolicy;
  readonly #stats: OllamaChatModelStats = { requests: 0, retries: 0, failures: 0 };

  constructor(options: OllamaChatModelOptions = {}) {
    try {
      this.baseUrl = normalizeBaseUrl(options.baseUrl);
    } catch (error) {
      throw new InvalidOptionError(`OllamaChatModel: baseUrl ${(error as Error).message}.`);
    }
    const timeoutMs = options.timeoutMs ?? 300_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidOptionError(
        `OllamaChatModel: timeoutMs must be positive, got ${timeoutMs}.`,
      );
    }
    this.id = options.id ?? 'ollama';
    this.#timeoutMs = timeoutMs;
    this.#keepAlive = options.keepAlive;
    this.#headers = options.headers ?? {};
    this.#policy = retryPolicy(options, 'OllamaChatModel');
  }

  /** Counters: requests, retries, failures. */
  stats(): OllamaChatModelStats {
    return { ...this.#stats };
  }

  /** Retries so far. */
  get retries(): number {
    return this.#stats.retries;
  }

  /** One whole answer (`stream: false`). */
  async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    const body = { ...this.#body(request), stream: false };
    const { signal } = options;
    try {
      const part = (await this.#send(body, signal, async (response) =>
        parseJson(await response.text(), 'the /api/chat answer'),
      )) as OllamaChatPart;
      if (typeof part?.error === 'string') throw new OllamaProtocolError(part.error);
      if (typeof part?.message?.content !== 'string') {
        throw new OllamaProtocolError('the /api/chat answer has no message; check the base URL.');
      }
      const toolCalls = toolCallsOf(part.message.tool_calls, 0);
      return {
        content: part.message.content,
        model: part.model ?? request.model,
        finishReason: toolCalls.length > 0 ? 'tool_calls' : (part.done_reason ?? 'stop'),
        ...usageOf(part),
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      };
    } catch (error) {
      this.#stats.failures++;
      throw toCacheError(error, 'model', this.id, this.baseUrl, signal);
    }
  }

  /** Streams the answer; the last chunk carries `finishReason` and `usage`. */
  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<ChatChunk> {
    const body = { ...this.#body(request), stream: true };
    const { signal } = options;
    let last: ChatChunk | undefined;
    let calls = 0;
    try {
      const response = await this.#send(body, signal, async (r) => r);
      if (!response.body) throw new OllamaProtocolError('the /api/chat stream has no body.');
      for await (const line of lines(response.body)) {
        // Lines already buffered would still arrive after an abort; stop at once instead.
        signal?.throwIfAborted();
        const part = parseJson(line, 'a line of the /api/chat stream') as OllamaChatPart;
        if (typeof part?.error === 'string') {
          throw new OllamaProtocolError(`the stream failed: ${part.error}`);
        }
        const delta = part?.message?.content ?? '';
        // Ollama sends each tool call whole, in one line.
        const toolCalls = toolCallsOf(part?.message?.tool_calls, calls).map((call, i) => ({
          index: calls + i,
          ...call,
        }));
        calls += toolCalls.length;
        const chunk: ChatChunk = toolCalls.length > 0 ? { delta, toolCalls } : { delta };
        if (part?.done) {
          // Ollama's final line may still carry text; it belongs before the closing chunk.
          if (delta || toolCalls.length > 0) yield chunk;
          const finishReason = calls > 0 ? 'tool_calls' : (part.done_reason ?? 'stop');
          last = { delta: '', finishReason, ...usageOf(part) };
          break;
        }
        if (delta || toolCalls.length > 0) yield chunk;
      }
    } catch (error) {
      this.#stats.failures++;
      throw toCacheError(error, 'model', this.id, this.baseUrl, signal);
    }
    if (!last) {
      this.#stats.failures++;
      throw toCacheError(
        new OllamaProtocolError('the /api/chat stream ended without its final "done" line.'),
        'model',
        this.id,
        this.baseUrl,
      );
    }
    yield last;
  }

  async #send<T>(
    body: unknown,
    signal: AbortSignal | undefined,
    read: (response: Response) => Promise<T>,
  ): Promise<T> {
    return withRetries(
      async () => {
        this.#stats.requests++;
        const response = await postJson(
          `${this.baseUrl}/api/chat`,
          body,
          this.#timeoutMs,
          signal,
          this.#headers,
        );
        return read(response);
      },
      judgeOllamaError,
      this.#policy,
      () => this.#stats.retries++,
      signal,
    );
  }

  /** One message as `/api/chat` takes it. */
  #message(
    request: ChatRequest,
    i: number,
    m: ChatRequest['messages'][number],
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {
      role: m.role === 'developer' ? 'system' : m.role,
      content: m.content,
    };
    if (m.toolCalls !== undefined && m.toolCalls.length > 0) {
      out.tool_calls = m.toolCalls.map((call) => {
        let args: unknown;
        try {
          args = JSON.parse(call.arguments);
        } catch {
          throw new InvalidRequestError(
            `${this.id}: messages[${i}] has a tool call whose arguments are not JSON; Ollama takes them as an object.`,
          );
        }
        return { function: { name: call.name, arguments: args } };
      });
    }
    if (m.role === 'tool' && m.toolCallId !== undefined) {
      const name = request.messages
        .slice(0, i)
        .flatMap((earlier) => earlier.toolCalls ?? [])
        .find((call) => call.id === m.toolCallId)?.name;
      if (name !== undefined) out.tool_name = name;
    }
    return out;
  }

  #body(request: ChatRequest): Record<string, unknown> {
    if (!request || typeof request.model !== 'string' || request.model.length === 0) {
      throw new InvalidRequestError(`${this.id}: request.model must be a non-empty string.`);
    }
    if (!Array.isArray(request.messages) || request.messages.length === 0) {
      throw new InvalidRequestError(`${this.id}: request.messages must be a non-empty array.`);
    }
    const options: Record<string, unknown> = {};
    if (request.temperature !== undefined) options.temperature = request.temperature;
    if (request.topP !== undefined) options.top_p = request.topP;
    if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
    if (request.stop !== undefined) options.stop = request.stop;
    if (request.seed !== undefined) options.seed = request.seed;
    for (const [key, value] of Object.entries(request.extra ?? {})) {
      const option = EXTRA_OPTIONS[key];
      if (option === undefined) {
        throw new InvalidRequestError(
          `${this.id}: Ollama has no option for request.extra.${key}; send it to a model that takes it, or leave it out.`,
        );
      }
      options[option] = value;
    }
    if (request.toolChoice !== undefined && request.toolChoice !== 'auto') {
      throw new InvalidRequestError(
        `${this.id}: Ollama cannot force a tool choice (${JSON.stringify(request.toolChoice)}); leave toolChoice out or "auto".`,
      );
    }
    const format = formatOf(request.responseFormat, this.id);
    return {
      model: request.model,
      messages: request.messages.map((m, i) => this.#message(request, i, m)),
      ...(Object.keys(options).length > 0 ? { options } : {}),
      ...(format === undefined ? {} : { format }),
      ...(request.tools === undefined ? {} : { tools: request.tools }),
      ...(this.#keepAlive === undefined ? {} : { keep_alive: this.#keepAlive }),
    };
  }
}

/** Core tool calls from Ollama's, with their arguments as JSON text and an id when it has none. */
function toolCallsOf(calls: OllamaToolCall[] | undefined, before: number) {
  if (!Array.isArray(calls)) return [];
  return calls.map((call, i) => {
    const fn = call?.function;
    if (typeof fn?.name !== 'string') {
      throw new OllamaProtocolError('a tool call of the /api/chat answer has no function name.');
    }
    const args = fn.arguments;
    return {
      id:
        typeof call.id === 'string'
          ? call.id
          : `call_${before + i}_${randomBytes(6).toString('hex')}`,
      name: fn.name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
    };
  });
}

/** Ollama's `format` for an OpenAI-style response format (other values are sent as they are). */
function formatOf(format: unknown, id: string): unknown {
  if (format === undefined) return undefined;
  const f = format as { type?: unknown; json_schema?: { schema?: unknown } };
  if (f?.type === 'text') return undefined;
  if (f?.type === 'json_object') return 'json';
  if (f?.type === 'json_schema') {
    if (f.json_schema?.schema === undefined) {
      throw new InvalidRequestError(
        `${id}: a json_schema response format needs json_schema.schema.`,
      );
    }
    return f.json_schema.schema;
  }
  return format;
}

function usageOf(part: OllamaChatPart): { usage?: TokenUsage } {
  const prompt = part.prompt_eval_count;
  const completion = part.eval_count;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return {};
  return {
    usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion },
  };
}
