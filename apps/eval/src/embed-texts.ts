import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import type { Embedder } from '@cache/core';

/** Options of {@link embedTexts}. */
export interface EmbedTextsOptions {
  /**
   * JSON Lines file of vectors kept across runs: a header line `{"embedderId": ...}`, then one
   * `{"t": text, "v": base64 Float32}` line per text. Vectors stored there for this embedder are
   * reused; new ones are appended after each batch, so an interrupted run keeps what it did. A
   * file of another embedder is started afresh.
   */
  cacheFile?: string;
  /** Texts per `embed` call (default 64). */
  batchSize?: number;
  /** Called after each batch with the texts embedded so far and the texts to embed. */
  onProgress?: (done: number, total: number) => void;
}

/** Embeds every distinct text once, in batches through the embedder; see {@link EmbedTextsOptions}. */
export async function embedTexts(
  embedder: Embedder,
  texts: Iterable<string>,
  options: EmbedTextsOptions = {},
): Promise<Map<string, Float32Array>> {
  const { cacheFile } = options;
  const batchSize = options.batchSize ?? 64;
  const stored = cacheFile === undefined ? new Map() : await readCache(cacheFile, embedder);
  const vectors = new Map<string, Float32Array>();
  const missing: string[] = [];
  for (const text of new Set(texts)) {
    const v = stored.get(text);
    if (v !== undefined) vectors.set(text, v);
    else missing.push(text);
  }
  if (cacheFile !== undefined && stored.size === 0 && missing.length > 0) {
    await writeFile(cacheFile, `${JSON.stringify({ embedderId: embedder.id })}\n`);
  }
  for (let i = 0; i < missing.length; i += batchSize) {
    const batch = missing.slice(i, i + batchSize);
    const out = await embedder.embed(batch);
    const lines = batch.map((text, j) => {
      const v = out[j] as Float32Array;
      vectors.set(text, v);
      const b64 = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      return `${JSON.stringify({ t: text, v: b64 })}\n`;
    });
    if (cacheFile !== undefined) await appendFile(cacheFile, lines.join(''));
    options.onProgress?.(Math.min(i + batchSize, missing.length), missing.length);
  }
  return vectors;
}

/** The vectors of `embedder` in `file` (none when it is missing or holds another embedder's). */
async function readCache(file: string, embedder: Embedder): Promise<Map<string, Float32Array>> {
  const vectors = new Map<string, Float32Array>();
  if (!existsSync(file)) return vectors;
  const lines = (await readFile(file, 'utf8')).split('\n');
  try {
    if ((JSON.parse(lines[0] ?? '') as { embedderId?: unknown }).embedderId !== embedder.id) {
      return vectors;
    }
  } catch {
    return vectors;
  }
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    let entry: { t: string; v: string };
    try {
      entry = JSON.parse(line) as { t: string; v: string };
    } catch {
      continue; // a line cut short by an interrupted run
    }
    const bytes = Buffer.from(entry.v, 'base64');
    if (bytes.byteLength !== embedder.dimension * 4) continue;
    const copy = new Uint8Array(bytes);
    vectors.set(entry.t, new Float32Array(copy.buffer, 0, copy.byteLength / 4));
  }
  return vectors;
}
