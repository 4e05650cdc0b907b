import { type Embedder, normalizePrompt } from '@cache/core';
import { LocalEmbedder, type LocalEmbedderOptions } from '@cache/local';

/**
 * The offline embedder the commands use: `LocalEmbedder`'s default model, or the model named
 * by `id` (`--embedder`, e.g. `local/all-minilm-l6-v2@384`), passed as its `model` option.
 */
export function createEmbedder(id?: string): Embedder {
  if (id === undefined) return new LocalEmbedder();
  // `model` is the option that selects LocalEmbedder's model; a build of @cache/local without
  // it rejects the option with an InvalidOptionError naming the known ones.
  const options: Record<string, unknown> = { model: id };
  return new LocalEmbedder(options as LocalEmbedderOptions);
}

/**
 * The text the cache embeds for a prompt (its normalized form): embeddings computed ahead are
 * keyed by it so that the cache, which embeds the normalized prompt, finds them.
 */
export function embeddedForm(prompt: string): string {
  return normalizePrompt(prompt);
}

/**
 * An embedder that answers from vectors computed ahead (keyed by text) and asks `inner` only
 * for texts it does not hold; same id and dimension as `inner`, so the cache picks the same
 * operating point.
 */
export class PrecomputedEmbedder implements Embedder {
  /** The inner embedder's id. */
  readonly id: string;
  /** The inner embedder's dimension. */
  readonly dimension: number;

  constructor(
    private readonly inner: Embedder,
    private readonly vectors: ReadonlyMap<string, Float32Array>,
  ) {
    this.id = inner.id;
    this.dimension = inner.dimension;
  }

  /** Vectors of `texts`, from the ones computed ahead where possible. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = texts.filter((t) => !this.vectors.has(t));
    const computed = missing.length === 0 ? [] : await this.inner.embed(missing);
    let next = 0;
    return texts.map((t) => this.vectors.get(t) ?? (computed[next++] as Float32Array));
  }
}
