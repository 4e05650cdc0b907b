import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder } from '@cache/core';

/**
 * Embeds `texts` in batches and returns one vector per text. When `cacheDir` is given, the
 * vectors are kept in a file named by the embedder id and a hash of the texts, so a re-run of the
 * benchmark does not spend a minute re-embedding the same questions (no timing depends on this).
 */
export async function embedAll(
  embedder: Embedder,
  texts: readonly string[],
  cacheDir: string | undefined,
  batchSize = 64,
): Promise<Float32Array[]> {
  const d = embedder.dimension;
  const digest = createHash('sha256')
    .update(embedder.id)
    .update('\n')
    .update(texts.join('\n'))
    .digest('hex');
  const file =
    cacheDir === undefined ? undefined : join(cacheDir, `embeddings-${digest.slice(0, 32)}.f32`);
  if (file !== undefined && existsSync(file)) {
    const bytes = readFileSync(file);
    if (bytes.byteLength === texts.length * d * 4) {
      const all = new Float32Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      return texts.map((_, i) => all.slice(i * d, (i + 1) * d));
    }
  }
  const out: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    out.push(...(await embedder.embed(texts.slice(start, start + batchSize))));
  }
  if (file !== undefined && cacheDir !== undefined) {
    mkdirSync(cacheDir, { recursive: true });
    const all = new Float32Array(texts.length * d);
    out.forEach((v, i) => all.set(v, i * d));
    writeFileSync(file, new Uint8Array(all.buffer));
  }
  return out;
}
