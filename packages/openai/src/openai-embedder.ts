import {
  assertEmbedderInput,
  type CallOptions,
  ClosedError,
  DimensionMismatchError,
  type Embedder,
  type EmbedderCoverage,
  EmbedderError,
  InvalidOptionError,
  type RetryOptions,
  type RetryPolicy,
  retryPolicy,
  withRetries,
} from '@cache/core';
import OpenAI from 'openai';
import { judgeOpenAIError, toCacheError } from './openai-errors.js';

/** Native output length of OpenAI's embedding models. */
export const OPENAI_EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** The embeddings endpoint accepts at most this many inputs per request. */
export const OPENAI_MAX_EMBEDDING_INPUTS = 2048;

/** The embeddings endpoint accepts at most this many tokens summed over a request's inputs. */
export const OPENAI_MAX_EMBEDDING_REQUEST_TOKENS = 300_000;

/** The longest input OpenAI's embedding models accept, in tokens. */
export const OPENAI_MAX_EMBEDDING_INPUT_TOKENS = 8191;

/** Options of {@link OpenAIEmbedder}. */
export interface OpenAIEmbedderOptions extends RetryOptions {
  /** A configured client; otherwise one is made from `apiKey`/`baseURL` (or `OPENAI_API_KEY`). */
  client?: OpenAI;
  /** API key for the client this embedder creates. Default: `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Base URL for the client this embedder creates (an OpenAI-compatible server). */
  baseURL?: string;
  /** Embedding model. Default `text-embedding-3-small`. */
  model?: string;
  /**
   * Output length requested from the API (`dimensions`; `text-embedding-3-*` only). Shorter
   * vectors cost less storage; the id changes with it.
   */
  dimensions?: number;
  /**
   * Expected vector length when the model is not one of OpenAI's and `dimensions` is not sent
   * (OpenAI-compatible servers). Ignored otherwise.
   */
  dimension?: number;
  /** Inputs per request, at most 2048 (the API's limit). Default 2048. */
  batchSize?: number;
  /**
   * Tokens per request, summed over its inputs (the API allows 300 000, the default). Counted
   * as UTF-8 bytes, which never undercounts a byte-level BPE tokenizer's tokens.
   */
  maxBatchTokens?: number;
  /** Per-request timeout of the client this embedder creates. Default 30 000 ms. */
  timeoutMs?: number;
}

/** Counters of {@link OpenAIEmbedder}. */
export interface OpenAIEmbedderStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Retries after 429, 5xx or network errors. */
  retries: number;
  /** Texts embedded successfully. */
  texts: number;
  /** Calls that failed after retries. */
  failures: number;
  /** Tokens the API reported. */
  promptTokens: number;
}

/**
 * An `Embedder` on OpenAI's embeddings endpoint through the official SDK. Texts are sent in
 * batches of up to 2048, vectors are fetched base64-encoded and decoded straight into
 * `Float32Array`s. Rate limits and server errors are retried with exponential backoff that
 * honours `retry-after`/`retry-after-ms` (the SDK's own retries are turned off so that every
 * retry is counted in `stats().retries`).
 */
export class OpenAIEmbedder implements Embedder {
  /** `openai/<model>@<dimension>`. */
  readonly id: string;
  /** Length of every vector returned. */
  readonly dimension: number;
  /** The model sent to the API. */
  readonly model: string;
  /** Multilingual, 8191 tokens a text (the endpoint rejects longer input rather than truncate it). */
  readonly coverage: EmbedderCoverage = Object.freeze({
    languages: '*',
    maxTokens: OPENAI_MAX_EMBEDDING_INPUT_TOKENS,
  });

  readonly #client: OpenAI;
  readonly #dimensions: number | undefined;
  readonly #batchSize: number;
  readonly #maxBatchBytes: number;
  readonly #policy: RetryPolicy;
  readonly #stats: OpenAIEmbedderStats = {
    requests: 0,
    retries: 0,
    texts: 0,
    failures: 0,
    promptTokens: 0,
  };
  #closed = false;

  constructor(options: OpenAIEmbedderOptions = {}) {
    this.model = options.model ?? 'text-embedding-3-small';
    const native = OPENAI_EMBEDDING_DIMENSIONS[this.model];
    const { dimensions } = options;
    if (dimensions !== undefined) {
      if (!Number.isInteger(dimensions) || dimensions <= 0) {
        throw new InvalidOptionError(
          `OpenAIEmbedder: dimensions must be a positive integer, got ${dimensions}.`,
        );
      }
      if (this.model === 'text-embedding-ada-002') {
        throw new InvalidOptionError(
          'OpenAIEmbedder: text-embedding-ada-002 has a fixed length of 1536; drop the dimensions option or use text-embedding-3-small.',
        );
      }
      if (native !== undefined && dimensions > native) {
        throw new InvalidOptionError(
          `OpenAIEmbedder: ${this.model} returns at most ${native} values; dimensions ${dimensions} is too large.`,
        );
      }
    }
    const dimension = dimensions ?? native ?? options.dimension;
    if (dimension === undefined || !Number.isInteger(dimension) || dimension <= 0) {
      throw new InvalidOptionError(
        `OpenAIEmbedder: the length of ${this.model}'s vectors is unknown; pass dimensions (sent to the API) or dimension (expected length).`,
      );
    }
    const batchSize = options.batchSize ?? OPENAI_MAX_EMBEDDING_INPUTS;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > OPENAI_MAX_EMBEDDING_INPUTS) {
      throw new InvalidOptionError(
        `OpenAIEmbedder: batchSize must be an integer from 1 to ${OPENAI_MAX_EMBEDDING_INPUTS}, got ${batchSize}.`,
      );
    }
    const maxBatchTokens = options.maxBatchTokens ?? OPENAI_MAX_EMBEDDING_REQUEST_TOKENS;
    if (!Number.isInteger(maxBatchTokens) || maxBatchTokens < 1) {
      throw new InvalidOptionError(
        `OpenAIEmbedder: maxBatchTokens must be a positive integer, got ${maxBatchTokens}.`,
      );
    }
    this.dimension = dimension;
    this.#dimensions = dimensions;
    this.#batchSize = batchSize;
    this.#maxBatchBytes = maxBatchTokens;
    this.#policy = retryPolicy(options, 'OpenAIEmbedder');
    this.id = `openai/${this.model}@${dimension}`;
    this.#client =
      options.client ??
      new OpenAI({
        apiKey: options.apiKey,
        baseURL: options.baseURL,
        timeout: options.timeoutMs ?? 30_000,
        maxRetries: 0,
      });
  }

  /** Counters: requests, retries, texts, failures, tokens. */
  stats(): OpenAIEmbedderStats {
    return { ...this.#stats };
  }

  /** Retries so far (429, 5xx, network errors). */
  get retries(): number {
    return this.#stats.retries;
  }

  /** Embeds `texts` in order, in batches of `batchSize`. */
  async embed(texts: readonly string[], options: CallOptions = {}): Promise<Float32Array[]> {
    if (this.#closed) throw new ClosedError(`OpenAIEmbedder(${this.model})`);
    assertEmbedderInput(texts, 'OpenAIEmbedder.embed');
    const { signal } = options;
    signal?.throwIfAborted();
    const out: Float32Array[] = [];
    try {
      for (const batch of this.#batches(texts)) {
        out.push(...(await this.#embedBatch(batch, signal)));
      }
    } catch (error) {
      this.#stats.failures++;
      throw toCacheError(error, 'embedder', `OpenAIEmbedder(${this.model})`, signal);
    }
    this.#stats.texts += texts.length;
    return out;
  }

  /**
   * Why `text` may not fit the model's window, or undefined when it surely fits. Without a
   * tokenizer, it counts UTF-8 bytes: a token of a byte-level BPE vocabulary holds at least one
   * byte, so a text of at most 8191 bytes (about 1,500 English words) always fits, and a longer
   * one is reported. A text of more than 8191 UTF-16 units has more bytes than that, so the cost
   * is bounded whatever the length.
   */
  inspect(text: string): string | undefined {
    if (typeof text !== 'string') return `not a string (${typeof text})`;
    const max = this.coverage.maxTokens;
    const bytes = text.length > max ? text.length : Buffer.byteLength(text, 'utf8');
    if (bytes <= max) return undefined;
    return `may not fit the model's window of ${max} tokens: ${text.length > max ? 'at least ' : ''}${bytes} UTF-8 bytes, and only ${max} bytes surely fit`;
  }

  /** Later calls reject with `ClosedError`. The client (and its sockets) is the SDK's to manage. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Consecutive groups within both request limits; a text alone over the token limit goes alone. */
  *#batches(texts: readonly string[]): Generator<string[]> {
    let batch: string[] = [];
    let bytes = 0;
    for (const text of texts) {
      const size = Buffer.byteLength(text, 'utf8');
      if (
        batch.length > 0 &&
        (batch.length === this.#batchSize || bytes + size > this.#maxBatchBytes)
      ) {
        yield batch;
        batch = [];
        bytes = 0;
      }
      batch.push(text);
      bytes += size;
    }
    if (batch.length > 0) yield batch;
  }

  async #embedBatch(input: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const response = await withRetries(
      () => {
        this.#stats.requests++;
        return this.#client.embeddings.create(
          {
            model: this.model,
            input,
            encoding_format: 'base64',
            ...(this.#dimensions === undefined ? {} : { dimensions: this.#dimensions }),
          },
          { maxRetries: 0, ...(signal ? { signal } : {}) },
        );
      },
      judgeOpenAIError,
      this.#policy,
      () => this.#stats.retries++,
      signal,
    );
    const data = response?.data;
    if (!Array.isArray(data) || data.length !== input.length) {
      throw new EmbedderError(
        `OpenAIEmbedder(${this.model}): asked for ${input.length} embeddings, got ${Array.isArray(data) ? data.length : 'none'}; check baseURL.`,
        { retryable: false },
      );
    }
    const vectors: Float32Array[] = new Array(input.length);
    for (const item of data) {
      const index = item.index;
      if (!Number.isInteger(index) || index < 0 || index >= input.length || vectors[index]) {
        throw new EmbedderError(
          `OpenAIEmbedder(${this.model}): the response has a missing or repeated index ${index}.`,
          { retryable: false },
        );
      }
      const vector = decodeEmbedding(item.embedding as unknown);
      if (vector.length !== this.dimension) {
        throw new DimensionMismatchError(
          this.dimension,
          vector.length,
          `OpenAIEmbedder(${this.model})`,
        );
      }
      vectors[index] = vector;
    }
    this.#stats.promptTokens += response.usage?.prompt_tokens ?? 0;
    return vectors;
  }
}

/** Decodes a base64 little-endian float32 embedding (or accepts a plain number array). */
export function decodeEmbedding(embedding: unknown): Float32Array {
  if (typeof embedding === 'string') {
    const bytes = Buffer.from(embedding, 'base64');
    if (bytes.length % 4 !== 0) {
      throw new EmbedderError(
        `an embedding of ${bytes.length} bytes is not float32 data; check baseURL.`,
        { retryable: false },
      );
    }
    // Copy into a fresh, aligned buffer: Buffer.from may return an offset view of a shared pool.
    const out = new Float32Array(bytes.length / 4);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  if (Array.isArray(embedding) && embedding.every((x) => typeof x === 'number')) {
    return Float32Array.from(embedding as number[]);
  }
  throw new EmbedderError('an embedding is neither base64 nor a number array; check baseURL.', {
    retryable: false,
  });
}
