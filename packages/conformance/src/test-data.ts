import { randomBytes } from 'node:crypto';
import type { CacheEntry, ChatResponse } from '@cache/core';

/** A fresh random scope (hex, like the hashes `SemanticCache` produces). */
export function randomScope(): string {
  return `cf${randomBytes(8).toString('hex')}`;
}

/** An entry key `<scope>:<digest>` with a random digest (or `digest` when given). */
export function keyIn(scope: string, digest: string = randomBytes(12).toString('hex')): string {
  return `${scope}:${digest}`;
}

/** A complete, valid entry for `key`, living `ttlMs` from now. */
export function makeEntry(
  key: string,
  content = 'Paris is the capital of France.',
  ttlMs = 60_000,
): CacheEntry {
  const scope = key.slice(0, key.indexOf(':'));
  const now = Date.now();
  const response: ChatResponse = {
    content,
    model: 'conformance-model',
    finishReason: 'stop',
    usage: { promptTokens: 7, completionTokens: 9, totalTokens: 16 },
  };
  return {
    key,
    scope,
    prompt: 'what is the capital of france?',
    response,
    createdAt: now,
    expiresAt: now + ttlMs,
    maxExpiresAt: now + ttlMs * 2,
    metadata: { source: 'conformance', 'tenant-id': 't1' },
  };
}

/** Small deterministic PRNG (mulberry32) so vector test data is reproducible. */
export class TestRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  gaussian(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A random unit vector. */
  unit(dimension: number): Float32Array {
    const v = new Float64Array(dimension);
    let n = 0;
    for (let i = 0; i < dimension; i++) {
      const x = this.gaussian();
      v[i] = x;
      n += x * x;
    }
    n = Math.sqrt(n);
    return Float32Array.from(v, (x) => x / n);
  }

  /**
   * A unit vector whose cosine similarity with the unit vector `base` is `cosine` (up to float32
   * rounding), in a random direction.
   */
  atCosine(base: Float32Array, cosine: number): Float32Array {
    const u = Float64Array.from(this.unit(base.length));
    let dot = 0;
    for (let i = 0; i < u.length; i++) dot += (u[i] as number) * (base[i] as number);
    let n = 0;
    for (let i = 0; i < u.length; i++) {
      const x = (u[i] as number) - dot * (base[i] as number);
      u[i] = x;
      n += x * x;
    }
    n = Math.sqrt(n);
    const sin = Math.sqrt(Math.max(0, 1 - cosine * cosine));
    const out = new Float32Array(base.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = cosine * (base[i] as number) + (sin * (u[i] as number)) / n;
    }
    return out;
  }
}

/** `vector` multiplied by `factor` (a new array). */
export function scaled(vector: Float32Array, factor: number): Float32Array {
  return Float32Array.from(vector, (x) => x * factor);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
