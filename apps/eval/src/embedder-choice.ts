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
 * `inner` answering `embed` from vectors computed ahead (keyed by text), asking `inner` only for
 * texts they do not hold. Every other member (id, dimension and whatever else the embedder
 * declares, such as what it covers) is `inner`'s, so the cache treats it exactly as `inner`.
 * `close` is not forwarded: a cache closing it leaves `inner` open for the next run (its owner
 * closes it).
 */
export function precomputedEmbedder(
  inner: Embedder,
  vectors: ReadonlyMap<string, Float32Array>,
): Embedder {
  const embed = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const missing = texts.filter((t) => !vectors.has(t));
    const computed = missing.length === 0 ? [] : await inner.embed(missing);
    let next = 0;
    return texts.map((t) => vectors.get(t) ?? (computed[next++] as Float32Array));
  };
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'embed') return embed;
      if (property === 'close') return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
