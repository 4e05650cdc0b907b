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
  message?: { role?: string; content?: string };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

/**
 * A `ChatModel` on Ollama's `/api/chat` over the global `fetch`. `stream` reads Ollama's NDJSON
 * stream line by line. Temperature, top-p, max tokens (`num_predict`), stop and seed go into
 * `options`; `responseFormat` into `format`; tools into `tools`. A stream is retried only until
 * its response starts.
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
      return {
        content: part.message.content,
        model: part.model ?? request.model,
        finishReason: part.done_reason ?? 'stop',
        ...usageOf(part),
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
        if (part?.done) {
          // Ollama's final line may still carry text; it belongs before the closing chunk.
          if (delta) yield { delta };
          last = { delta: '', finishReason: part.done_reason ?? 'stop', ...usageOf(part) };
          break;
        }
        if (delta) yield { delta };
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
    return {
      model: request.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(Object.keys(options).length > 0 ? { options } : {}),
      ...(request.responseFormat === undefined ? {} : { format: request.responseFormat }),
      ...(request.tools === undefined ? {} : { tools: request.tools }),
      ...(this.#keepAlive === undefined ? {} : { keep_alive: this.#keepAlive }),
    };
  }
}

function usageOf(part: OllamaChatPart): { usage?: TokenUsage } {
  const prompt = part.prompt_eval_count;
  const completion = part.eval_count;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return {};
  return {
    usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion },
  };
}
