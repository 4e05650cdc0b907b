import {
  type CallOptions,
  type ChatChunk,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  InvalidRequestError,
  ModelError,
  type RetryOptions,
  type RetryPolicy,
  retryPolicy,
  type TokenUsage,
  withRetries,
} from '@cache/core';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { judgeOpenAIError, toCacheError } from './openai-errors.js';
import { fromChatCompletion, fromChatCompletionChunk, toChatCompletionBody } from './wire/index.js';

/** Options of {@link OpenAIChatModel}. */
export interface OpenAIChatModelOptions extends RetryOptions {
  /** A configured client; otherwise one is made from `apiKey`/`baseURL` (or `OPENAI_API_KEY`). */
  client?: OpenAI;
  /** API key for the client this model creates. Default: `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Base URL for the client this model creates (an OpenAI-compatible server). */
  baseURL?: string;
  /** Identifier in metrics and logs. Default `openai`. */
  id?: string;
  /**
   * Which request field carries `ChatRequest.maxTokens`: `max_completion_tokens` (default;
   * required by reasoning models) or `max_tokens` (older OpenAI-compatible servers).
   */
  maxTokensField?: 'max_completion_tokens' | 'max_tokens';
  /** Per-request timeout of the client this model creates. Default 120 000 ms. */
  timeoutMs?: number;
}

/** Counters of {@link OpenAIChatModel}. */
export interface OpenAIChatModelStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Retries after 429, 5xx or network errors. */
  retries: number;
  /** Calls that failed after retries. */
  failures: number;
}

/**
 * A `ChatModel` on OpenAI's chat completions endpoint through the official SDK, with streaming.
 * Retries like {@link OpenAIEmbedder}; a stream is retried only until its first chunk arrives.
 */
export class OpenAIChatModel implements ChatModel {
  /** Identifier in metrics and logs. */
  readonly id: string;

  readonly #client: OpenAI;
  readonly #maxTokensField: 'max_completion_tokens' | 'max_tokens';
  readonly #policy: RetryPolicy;
  readonly #stats: OpenAIChatModelStats = { requests: 0, retries: 0, failures: 0 };

  constructor(options: OpenAIChatModelOptions = {}) {
    this.id = options.id ?? 'openai';
    this.#maxTokensField = options.maxTokensField ?? 'max_completion_tokens';
    this.#policy = retryPolicy(options, 'OpenAIChatModel');
    this.#client =
      options.client ??
      new OpenAI({
        apiKey: options.apiKey,
        baseURL: options.baseURL,
        timeout: options.timeoutMs ?? 120_000,
        maxRetries: 0,
      });
  }

  /** Counters: requests, retries, failures. */
  stats(): OpenAIChatModelStats {
    return { ...this.#stats };
  }

  /** Retries so far. */
  get retries(): number {
    return this.#stats.retries;
  }

  /** One whole answer. */
  async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    const params = this.#params(request);
    const { signal } = options;
    try {
      const completion = await withRetries(
        () => {
          this.#stats.requests++;
          return this.#client.chat.completions.create(
            { ...params, stream: false },
            { maxRetries: 0, ...(signal ? { signal } : {}) },
          );
        },
        judgeOpenAIError,
        this.#policy,
        () => this.#stats.retries++,
        signal,
      );
      if (!Array.isArray(completion?.choices) || completion.choices.length === 0) {
        throw new ModelError(`${this.id}: the API answered without choices; check baseURL.`, {
          retryable: false,
        });
      }
      const { response } = fromChatCompletion(completion);
      if (response.model === '') response.model = request.model;
      return response;
    } catch (error) {
      this.#stats.failures++;
      throw toCacheError(error, 'model', this.id, signal);
    }
  }

  /** Streams an answer; the last chunk carries `finishReason` and `usage`. */
  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<ChatChunk> {
    const params = this.#params(request);
    const { signal } = options;
    let last: ChatChunk = { delta: '' };
    try {
      const stream = await withRetries(
        () => {
          this.#stats.requests++;
          return this.#client.chat.completions.create(
            { ...params, stream: true, stream_options: { include_usage: true } } as never,
            { maxRetries: 0, ...(signal ? { signal } : {}) },
          ) as unknown as Promise<AsyncIterable<unknown>>;
        },
        judgeOpenAIError,
        this.#policy,
        () => this.#stats.retries++,
        signal,
      );
      // The finish reason and the usage come in two chunks; they are sent on together, last.
      for await (const wire of stream) {
        // Chunks already buffered would still arrive after an abort; stop at once instead.
        signal?.throwIfAborted();
        const chunk = fromChatCompletionChunk(wire);
        if (chunk === undefined) continue;
        const { finishReason, usage, ...rest } = chunk;
        if (finishReason !== undefined) last.finishReason = finishReason;
        if (usage !== undefined) last.usage = usage;
        if (
          rest.delta !== '' ||
          rest.toolCalls ||
          rest.refusal !== undefined ||
          rest.extra ||
          rest.model
        ) {
          yield rest;
        }
      }
    } catch (error) {
      this.#stats.failures++;
      throw toCacheError(error, 'model', this.id, signal);
    }
    last = { ...last, finishReason: last.finishReason ?? 'stop' };
    yield last;
  }

  #params(request: ChatRequest): Omit<ChatCompletionCreateParamsNonStreaming, 'stream'> {
    if (!request || typeof request.model !== 'string' || request.model.length === 0) {
      throw new InvalidRequestError(`${this.id}: request.model must be a non-empty string.`);
    }
    if (!Array.isArray(request.messages) || request.messages.length === 0) {
      throw new InvalidRequestError(`${this.id}: request.messages must be a non-empty array.`);
    }
    return toChatCompletionBody(request, this.#maxTokensField) as never;
  }
}
