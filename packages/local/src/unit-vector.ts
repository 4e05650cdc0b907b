/** Why a batch could not be embedded; the embedder turns it into an `EmbedderError`. */
export class ModelFailure extends Error {}

/**
 * `row` as a unit-length `Float32Array` of `dimension` values, with the same arithmetic as
 * core's `normalize` (so vectors are bit-identical to it). Throws `ModelFailure`, naming
 * `reinstall`, when the row has the wrong length, is all zeros or holds a non-finite value.
 */
export function toUnitVector(
  row: ArrayLike<number>,
  dimension: number,
  reinstall: string,
): Float32Array {
  const vector = Float32Array.from(row);
  let sum = 0;
  let finite = true;
  for (const x of vector) {
    if (!Number.isFinite(x)) finite = false;
    sum += x * x;
  }
  if (!finite || sum === 0 || vector.length !== dimension) {
    throw new ModelFailure(
      `the model returned an invalid vector (length ${vector.length} of ${dimension}, ${finite ? (sum === 0 ? 'all zeros' : 'finite') : 'non-finite values'}). Reinstall ${reinstall}.`,
    );
  }
  const n = Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / n;
  return vector;
}

/** The message of a thrown value, whatever was thrown. */
export function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
