import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { Embedder } from '@cache/core';

/**
 * Embeds every distinct text once, in batches. With `cacheFile`, vectors already stored there
 * for this embedder are reused and new ones are added, so repeated calibration runs skip the
 * model (the file holds base64 Float32 vectors keyed by text).
 */
export async function embedTexts(
  embedder: Embedder,
  texts: Iterable<string>,
  cacheFile?: string,
  batchSize = 64,
): Promise<Map<string, Float32Array>> {
  const vectors = new Map<string, Float32Array>();
  let stored: Record<string, string> = {};
  if (cacheFile !== undefined && existsSync(cacheFile)) {
    const data = JSON.parse(await readFile(cacheFile, 'utf8')) as {
      embedderId: string;
      vectors: Record<string, string>;
    };
    if (data.embedderId === embedder.id) stored = data.vectors;
  }
  const missing: string[] = [];
  for (const text of new Set(texts)) {
    const b64 = stored[text];
    if (b64 !== undefined) {
      const bytes = Buffer.from(b64, 'base64');
      vectors.set(text, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    } else {
      missing.push(text);
    }
  }
  for (let i = 0; i < missing.length; i += batchSize) {
    const batch = missing.slice(i, i + batchSize);
    const out = await embedder.embed(batch);
    batch.forEach((text, j) => {
      vectors.set(text, out[j] as Float32Array);
    });
  }
  if (cacheFile !== undefined && missing.length > 0) {
    const all: Record<string, string> = { ...stored };
    for (const text of missing) {
      const v = vectors.get(text) as Float32Array;
      all[text] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
    }
    await writeFile(cacheFile, JSON.stringify({ embedderId: embedder.id, vectors: all }));
  }
  return vectors;
}
