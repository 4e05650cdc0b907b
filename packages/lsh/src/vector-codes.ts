/** Largest coarse code: codes are in [-127, 127]. */
const COARSE = 127;
/**
 * Fine steps per coarse step. The residual of a coarse code is at most half a step, so fine
 * codes stay within ±32,500, inside an Int16.
 */
const FINE_PER_COARSE = 65_000;

/**
 * Writes the two-level code of the unit vector `unit` (length `dim`) at `slot`: an Int8 coarse
 * code `c` with step `s1 = max|u| / 127`, and an Int16 code `f` of what the coarse one misses,
 * with step `s2 = s1 / 65,000`. `s1·c + s2·f` restores each component within `s2 / 2`
 * (≈ 2⁻²³ of the largest component), as close as float32 itself holds it.
 */
export function encodeUnit(
  unit: Float64Array,
  dim: number,
  coarse: Int8Array,
  fine: Int16Array,
  scales: Float32Array,
  slot: number,
): void {
  let max = 0;
  for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(unit[i] as number));
  const s1 = Math.fround(max / COARSE);
  const s2 = Math.fround(s1 / FINE_PER_COARSE);
  const at = slot * dim;
  for (let i = 0; i < dim; i++) {
    const u = unit[i] as number;
    const c = Math.max(-COARSE, Math.min(COARSE, Math.round(u / s1)));
    coarse[at + i] = c;
    fine[at + i] = Math.round((u - s1 * c) / s2);
  }
  scales[2 * slot] = s1;
  scales[2 * slot + 1] = s2;
}
