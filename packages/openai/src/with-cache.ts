import {
  type ChatResponse,
  ChunkAssembler,
  chunksOf,
  type LookupSource,
  type RequestOptions,
  type SemanticCacheApi,
  SingleFlight,
  type TokenUsage,
} from '@cache/core';
import type OpenAI from 'openai';
import { Stream } from 'openai/core/streaming';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
} from 'openai/resources/chat/completions';
import {
  ChunkWriter,
  fromChatCompletion,
  fromChatCompletionBody,
  fromChatCompletionChunk,
  toChatCompletion,
} from './wire/index.js';

/** Options of {@link withCache}. */
export interface WithCacheOptions {
  /**
   * Per-request cache options applied to every call (tenant, namespace, ttlMs...). The SDK
   * call's `signal` is passed on as well.
   */
  requestOptions?: Omit<RequestOptions, 'signal'>;
  /**
   * Receives errors of storing an answer after the API call succeeded (the caller still gets
   * the answer). Default: `console.error`.
   */
  onError?: (error: unknown) => void;
}

/** How a `create` call through {@link withCache} was answered. */
export interface CacheInfo {
  /** `exact` or `semantic` for cached answers, `miss` when the API answered, `bypass` when the cache was skipped. */
  source: LookupSource;
  /** Entry key of the request, when it was cacheable. */
  key?: string;
  /** For `semantic`: cosine similarity of the served entry. */
  similarity?: number;
  /** Why the cache was skipped, for `bypass`. */
  reason?: string;
  /** For hits: token usage of the original answer (the hit itself reports zero usage). */
  originalUsage?: TokenUsage;
  /** For misses: true when this call joined an identical call already in flight (one API call for both). */
  shared?: boolean;
}

const infos = new WeakMap<object, CacheInfo>();

/**
 * How a completion (or stream) returned by a {@link withCache} client was answered, or
 * undefined for objects it did not return.
 */
export function cacheInfo(result: object): CacheInfo | undefined {
  return infos.get(result);
}

type Create = OpenAI['chat']['completions']['create'];

/**
 * Wraps an openai client so that `chat.completions.create` answers from `cache` when it can:
 * change `new OpenAI()` to `withCache(new OpenAI(), cache)` and nothing else. A hit returns an
 * object of the SDK's `ChatCompletion` shape (for `stream: true`, an SDK `Stream` of
 * `ChatCompletionChunk`s) with zero usage; a miss calls the real client, returns its answer
 * unchanged and stores it (streams once they have been read to the end); tool calls, refusals,
 * usage details and `system_fingerprint` are replayed as they came. Requests are mapped by the
 * package's wire format (`fromChatCompletionBody`, the same as the caching service's): those
 * the cache cannot key or replay (n > 1, logprobs, audio, content parts, unknown fields) go to
 * the API untouched; `cacheInfo(result)` tells which path a result took.
 *
 * Cache-aside (`lookup` then `store`). Concurrent identical non-streamed misses share one API
 * call (each caller gets its own copy of the answer); streamed misses each call the API. Cached
 * answers are plain promises, so `.withResponse()`/`.asResponse()` exist on misses only.
 */
export function withCache<C extends OpenAI>(
  client: C,
  cache: Pick<SemanticCacheApi, 'lookup' | 'store'>,
  options: WithCacheOptions = {},
): C {
  const original = client.chat.completions;
  const flights = new SingleFlight<ChatCompletion>();
  const onError =
    options.onError ??
    ((error: unknown) => console.error('withCache: storing an answer failed:', error));

  const create = async (
    params: ChatCompletionCreateParams,
    requestOptions?: Parameters<Create>[1],
  ): Promise<ChatCompletion | Stream<ChatCompletionChunk>> => {
    const call = () =>
      original.create(params as never, requestOptions) as unknown as Promise<
        ChatCompletion | Stream<ChatCompletionChunk>
      >;
    const mapped = fromChatCompletionBody(params);
    if ('bypass' in mapped) {
      const result = await call();
      infos.set(result, { source: 'bypass', reason: mapped.bypass });
      return result;
    }
    const signal = requestOptions?.signal ?? undefined;
    const cacheOptions: RequestOptions = {
      ...options.requestOptions,
      ...(signal ? { signal } : {}),
    };
    const found = await cache.lookup(mapped.request, cacheOptions);
    const info: CacheInfo = {
      source: found.source,
      ...(found.key === undefined ? {} : { key: found.key }),
      ...(found.similarity === undefined ? {} : { similarity: found.similarity }),
      ...(found.reason === undefined ? {} : { reason: found.reason }),
    };
    if (found.hit && found.response) {
      const response = found.response;
      if (response.usage) info.originalUsage = response.usage;
      const result =
        params.stream === true
          ? cachedStream(response, params.stream_options?.include_usage === true)
          : cachedCompletion(response);
      infos.set(result, info);
      return result;
    }
    const store = async (response: ChatResponse | undefined) => {
      if (!response || !found.cacheable) return;
      try {
        await cache.store(mapped.request, response, cacheOptions);
      } catch (error) {
        onError(error);
      }
    };
    if (params.stream !== true && found.cacheable && found.key !== undefined) {
      const flight = await flights.run(
        found.key,
        async (flightSignal) => {
          const completion = (await original.create(params as never, {
            ...requestOptions,
            signal: flightSignal,
          })) as unknown as ChatCompletion;
          await store(storable(completion));
          return completion;
        },
        signal,
      );
      const result = flight.shared ? structuredClone(flight.value) : flight.value;
      infos.set(result, { ...info, shared: flight.shared });
      return result;
    }
    const result = await call();
    if (result instanceof Stream) {
      const wrapped = storingStream(result, store);
      infos.set(wrapped, info);
      return wrapped;
    }
    await store(storable(result));
    infos.set(result, info);
    return result;
  };

  const completions = proxy(original, { create });
  const chat = proxy(client.chat, { completions });
  return proxy(client, { chat });
}

/** A view of `target` with `overrides`; other members are read from (and bound to) the target. */
function proxy<T extends object>(target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop];
      const value = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/** The answer to store for a completion, or undefined when it cannot be replayed faithfully. */
function storable(completion: ChatCompletion): ChatResponse | undefined {
  const read = fromChatCompletion(completion);
  return read.unstorable === undefined ? read.response : undefined;
}

function cachedCompletion(response: ChatResponse): ChatCompletion {
  return toChatCompletion(response, { zeroUsage: true }) as unknown as ChatCompletion;
}

function cachedStream(response: ChatResponse, includeUsage: boolean): Stream<ChatCompletionChunk> {
  const writer = new ChunkWriter(response.model, includeUsage, { zeroUsage: true });
  async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
    for (const chunk of chunksOf(response)) {
      yield* writer.write(chunk) as unknown as ChatCompletionChunk[];
    }
    yield* writer.end() as unknown as ChatCompletionChunk[];
  }
  return new Stream(chunks, new AbortController());
}

/** Passes the API's chunks through and stores the whole answer once the stream ends normally. */
function storingStream(
  source: Stream<ChatCompletionChunk>,
  store: (response: ChatResponse | undefined) => Promise<void>,
): Stream<ChatCompletionChunk> {
  async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
    const answer = new ChunkAssembler();
    let model = '';
    let unstorable = false;
    for await (const chunk of source) {
      model = chunk.model;
      if (chunk.choices.some((c) => c.index !== 0 || c.logprobs != null)) unstorable = true;
      const piece = fromChatCompletionChunk(chunk);
      if (piece !== undefined && !unstorable) {
        try {
          answer.add(piece);
        } catch {
          unstorable = true;
        }
      }
      yield chunk;
    }
    if (unstorable) return;
    const response = answer.response(model);
    const finish = response.finishReason;
    const empty = response.content === '' && !response.toolCalls && response.refusal === undefined;
    if (empty || (finish !== 'stop' && finish !== 'length' && finish !== 'tool_calls')) return;
    await store(response);
  }
  return new Stream(chunks, source.controller);
}
