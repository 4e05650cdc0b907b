import { createHash } from 'node:crypto';

/**
 * The latency the stand-in model would have slept for `prompt` (300–800 ms, deterministic,
 * the same rule as `StandInChatModel`'s default). `compare` runs the stand-in with no delay and
 * adds this figure to every model call instead, so a run takes seconds, not minutes.
 */
export function simulatedModelMs(prompt: string): number {
  return 300 + (createHash('sha256').update(prompt, 'utf8').digest().readUInt32BE(0) % 501);
}
