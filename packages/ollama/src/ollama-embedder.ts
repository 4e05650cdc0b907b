import {
  assertEmbedderInput,
  type CallOptions,
  ClosedError,
  DimensionMismatchError,
  type Embedder,
  type EmbedderCoverage,
  InvalidOptionError,
  type RetryOptions,
  type RetryPolicy,
  retryPolicy,
  withRetries,
} from '@cache/core';
import {
  judgeOllamaError,
  normalizeBaseUrl,
  OllamaProtocolError,
  parseJson,
  postJson,
  toCacheError,
} from './ollama-http.js';

/** Output length of common Ollama embedding models (tag stripped). */
export const OLLAMA_EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  'nomic-embed-text': 768,
  'mxbai-embed-large': 1024,
  'all-minilm': 384,
  'snowflake-arctic-embed': 1024,
  'bge-m3': 1024,
  'bge-large': 1024,
  embeddinggemma: 768,
};

/** Options of {@link OllamaEmbedder}. */
export interface OllamaEmbedderOptions extends RetryOptions {
  /** Server address. Default `OLLAMA_URL`, else `http://127.0.0.1:11434`. */
  baseUrl?: string;
  /** Embedding model. Default `nomic-embed-text`. */
  model?: string;
  /**
   * Vector length. Needed for models not in {@link OLLAMA_EMBEDDING_DIMENSIONS} (or use
   * {@link OllamaEmbedder.detect}); checked against every answer.
   */
  dimension?: number;
  /** Output length requested from the server (`dimensions`, for models that can shorten). */
  dimensions?: number;
  /** Texts per request. Default 256. */
  batchSize?: number;
  /** Per-request timeout in ms (a cold model load can take a while). Default 60 000. */
  timeoutMs?: number;
  /** How long the server keeps the model loaded (`keep_alive`, e.g. `10m`). Server default when absent. */
  keepAlive?: string | number;
  /** Extra HTTP headers (e.g. `Authorization` for a proxy or ollama.com). */
  headers?: Record<string, string>;
  /**
   * What your model represents faithfully: declare its languages (ISO 639-1 codes, or `'*'` for a
   * multilingual model such as `bge-m3`) and its input window in its own tokens (the smaller of
   * the model's context and the server's `num_ctx`). The cache serves no semantic hit for
   * prompts outside it. Default `{ languages: ['en'], maxTokens: 512 }`, which fits the models
   * of {@link OLLAMA_EMBEDDING_DIMENSIONS} conservatively.
   */
  coverage?: EmbedderCoverage;
}

/** The coverage of an embedder created without the `coverage` option. */
export const OLLAMA_DEFAULT_COVERAGE: EmbedderCoverage = Object.freeze({
  languages: Object.freeze(['en']),
  maxTokens: 512,
});

/** Counters of {@link OllamaEmbedder}. */
export interface OllamaEmbedderStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Retries after 429, 5xx, timeouts or network errors. */
  retries: number;
  /** Texts embedded successfully. */
  texts: number;
  /** Calls that failed after retries. */
  failures: number;
}

/**
 * An `Embedder` on Ollama's `/api/embed` (batched `input` array; Ollama returns unit-length
 * vectors), over the global `fetch`. Retries like the OpenAI adapter: 429 and 5xx (Ollama answers
 * 503 when its queue is full), timeouts and network errors, honouring `retry-after`.
 */
export class OllamaEmbedder implements Embedder {
  /** `ollama/<model>@<dimension>`. */
  readonly id: string;
  /** Length of every vector returned. */
  readonly dimension: number;
  /** The model sent to the server. */
  readonly model: string;
  /** Server address, without a trailing slash. */
  readonly baseUrl: string;
  /** The `coverage` option (default {@link OLLAMA_DEFAULT_COVERAGE}). */
  readonly coverage: EmbedderCoverage;

  readonly #dimensions: number | undefined;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #keepAlive: string | number | undefined;
  readonly #headers: Record<string, string>;
  readonly #policy: RetryPolicy;
  readonly #stats: OllamaEmbedderStats = { requests: 0, retries: 0, texts: 0, failures: 0 };
  #closed = false;

  constructor(options: OllamaEmbedderOptions = {}) {
    this.model = options.model ?? 'nomic-embed-text';
    try {
      this.baseUrl = normalizeBaseUrl(options.baseUrl);
    } catch (error) {
      throw new InvalidOptionError(`OllamaEmbedder: baseUrl ${(error as Error).message}.`);
    }
    const { dimensions } = options;
    if (dimensions !== undefined && (!Number.isInteger(dimensions) || dimensions <= 0)) {
      throw new InvalidOptionError(
        `OllamaEmbedder: dimensions must be a positive integer, got ${dimensions}.`,
      );
    }
    const known = OLLAMA_EMBEDDING_DIMENSIONS[this.model.replace(/:latest$/, '')];
    const dimension = dimensions ?? options.dimension ?? known;
    if (dimension === undefined || !Number.isInteger(dimension) || dimension <= 0) {
      throw new InvalidOptionError(
        `OllamaEmbedder: the length of ${this.model}'s vectors is unknown; pass dimension, or create the embedder with await OllamaEmbedder.detect({ model }).`,
      );
    }
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidOptionError(
        `OllamaEmbedder: batchSize must be a positive integer, got ${batchSize}.`,
      );
    }
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidOptionError(`OllamaEmbedder: timeoutMs must be positive, got ${timeoutMs}.`);
    }
    this.coverage =
      options.coverage === undefined ? OLLAMA_DEFAULT_COVERAGE : checkCoverage(options.coverage);
    this.dimension = dimension;
    this.#dimensions = dimensions;
    this.#batchSize = batchSize;
    this.#timeoutMs = timeoutMs;
    this.#keepAlive = options.keepAlive;
    this.#headers = options.headers ?? {};
    this.#policy = retryPolicy(options, 'OllamaEmbedder');
    this.id = `ollama/${this.model}@${dimension}`;
  }

  /**
   * An embedder whose `dimension` is read from the server: embeds one probe text. Use it for
   * models not in {@link OLLAMA_EMBEDDING_DIMENSIONS}.
   */
  static async detect(
    options: Omit<OllamaEmbedderOptions, 'dimension'> = {},
  ): Promise<OllamaEmbedder> {
    const probe = new OllamaEmbedder({ ...options, dimension: 1 });
    try {
      const [vector] = await probe.#request(['dimension probe'], undefined, false);
      return new OllamaEmbedder({ ...options, dimension: vector?.length ?? 0 });
    } catch (error) {
      throw toCacheError(error, 'embedder', `OllamaEmbedder(${probe.model})`, probe.baseUrl);
    }
  }

  /** Counters: requests, retries, texts, failures. */
  stats(): OllamaEmbedderStats {
    return { ...this.#stats };
  }

  /** Retries so far. */
  get retries(): number {
    return this.#stats.retries;
  }

  /** Embeds `texts` in order, `batchSize` per request. */
  async embed(texts: readonly string[], options: CallOptions = {}): Promise<Float32Array[]> {
    if (this.#closed) throw new ClosedError(`OllamaEmbedder(${this.model})`);
    assertEmbedderInput(texts, 'OllamaEmbedder.embed');
    const { signal } = options;
    signal?.throwIfAborted();
    const out: Float32Array[] = [];
    try {
      for (let i = 0; i < texts.length; i += this.#batchSize) {
        out.push(...(await this.#request(texts.slice(i, i + this.#batchSize), signal, true)));
      }
    } catch (error) {
      this.#stats.failures++;
      throw toCacheError(error, 'embedder', `OllamaEmbedder(${this.model})`, this.baseUrl, signal);
    }
    this.#stats.texts += texts.length;
    return out;
  }

  /** Later calls reject with `ClosedError`. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async #request(
    input: string[],
    signal: AbortSignal | undefined,
    checkDimension: boolean,
  ): Promise<Float32Array[]> {
    const body = {
      model: this.model,
      input,
      ...(this.#dimensions === undefined ? {} : { dimensions: this.#dimensions }),
      ...(this.#keepAlive === undefined ? {} : { keep_alive: this.#keepAlive }),
    };
    const parsed = await withRetries(
      async () => {
        this.#stats.requests++;
        const response = await postJson(
          `${this.baseUrl}/api/embed`,
          body,
          this.#timeoutMs,
          signal,
          this.#headers,
        );
        return parseJson(await response.text(), 'the /api/embed answer');
      },
      judgeOllamaError,
      this.#policy,
      () => this.#stats.retries++,
      signal,
    );
    const embeddings = (parsed as { embeddings?: unknown } | null)?.embeddings;
    if (!Array.isArray(embeddings) || embeddings.length !== input.length) {
      throw new OllamaProtocolError(
        `asked for ${input.length} embeddings, got ${Array.isArray(embeddings) ? embeddings.length : 'none'}; check the base URL.`,
      );
    }
    return embeddings.map((values: unknown) => {
      if (!Array.isArray(values) || values.some((x) => typeof x !== 'number')) {
        throw new OllamaProtocolError('an embedding is not an array of numbers.');
      }
      if (checkDimension && values.length !== this.dimension) {
        throw new DimensionMismatchError(
          this.dimension,
          values.length,
          `OllamaEmbedder(${this.model})`,
        );
      }
      return Float32Array.from(values as number[]);
    });
  }
}

/** A frozen copy of `coverage`; throws `InvalidOptionError` saying what is wrong with it. */
function checkCoverage(coverage: unknown): EmbedderCoverage {
  const fail = (what: string): never => {
    throw new InvalidOptionError(
      `OllamaEmbedder: coverage ${what}; pass { languages: ['en'] (ISO 639-1 codes) or '*', maxTokens: <the model's window in tokens> }.`,
    );
  };
  if (typeof coverage !== 'object' || coverage === null) return fail('must be an object');
  const { languages, maxTokens, ...rest } = coverage as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) fail(`has unknown keys ${extra.join(', ')}`);
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) {
    fail(`maxTokens must be a positive integer, got ${String(maxTokens)}`);
  }
  if (languages !== '*') {
    if (!Array.isArray(languages) || languages.length === 0) {
      fail(
        `languages must be '*' or a non-empty list of ISO 639-1 codes, got ${String(languages)}`,
      );
    }
    for (const code of languages as unknown[]) {
      if (typeof code !== 'string' || !/^[a-z]{2}$/.test(code)) {
        fail(`languages holds ${JSON.stringify(code)}, not a two-letter ISO 639-1 code`);
      }
    }
  }
  return Object.freeze({
    languages: languages === '*' ? '*' : Object.freeze([...(languages as string[])]),
    maxTokens: maxTokens as number,
  });
}
