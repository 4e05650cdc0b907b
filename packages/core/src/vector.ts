import { DimensionMismatchError, InvalidVectorError } from './errors.js';

/**
 * Throws `DimensionMismatchError` when `vector` is not a Float32Array of `dimension` values and
 * `InvalidVectorError` when a value is NaN or ±Infinity or every value is zero. `where` names
 * the caller in the message (e.g. `LshVectorStore.upsert`).
 */
export function assertValidVector(vector: unknown, dimension: number, where: string): void {
  if (!(vector instanceof Float32Array)) {
    throw new InvalidVectorError(
      `${where}: expected a Float32Array, got ${describe(vector)}. Convert with Float32Array.from(values).`,
    );
  }
  if (vector.length !== dimension)
    throw new DimensionMismatchError(dimension, vector.length, where);
  let nonZero = false;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    if (!Number.isFinite(x)) {
      throw new InvalidVectorError(
        `${where}: value ${i} is ${x}; vectors must hold finite numbers. Check the embedder's output.`,
      );
    }
    if (x !== 0) nonZero = true;
  }
  if (!nonZero) {
    throw new InvalidVectorError(
      `${where}: the vector is all zeros and has no direction; cosine similarity is undefined for it.`,
    );
  }
}

/** Euclidean norm, accumulated in double precision. */
export function norm(vector: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    sum += x * x;
  }
  return Math.sqrt(sum);
}

/** A unit-length copy of `vector` (the input is not modified). */
export function normalize(vector: Float32Array): Float32Array {
  const n = norm(vector);
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = (vector[i] as number) / n;
  return out;
}

/** Cosine similarity in [-1, 1], computed in double precision: the reference every store matches. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a plain array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}
