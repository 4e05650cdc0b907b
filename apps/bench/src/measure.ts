import { Bench, type Fn } from 'tinybench';
import { type LatencySummary, summarize } from './stats.js';

/** Options of {@link sampleLatencies}. */
export interface SampleOptions {
  /** Timed calls; call `i` receives `i` (0-based), so calls can walk a query set. */
  iterations: number;
  /** Untimed calls first (they receive 0, 1, ... too). Default 0. */
  warmup?: number;
  /** Whether `fn` returns a promise to await inside the timed window. */
  async: boolean;
}

/**
 * Times each call of `fn` with tinybench (high-resolution clock, one sample per call) and returns
 * the samples in microseconds, in no particular order.
 */
export async function sampleLatencies(
  name: string,
  fn: (i: number) => unknown,
  options: SampleOptions,
): Promise<number[]> {
  const warmup = options.warmup ?? 0;
  let i = 0;
  const bench = new Bench({
    iterations: options.iterations,
    time: 0,
    warmup: warmup > 0,
    warmupIterations: warmup,
    warmupTime: 0,
    retainSamples: true,
    throws: true,
    timestampProvider: 'hrtimeNow',
  });
  const task: Fn = options.async ? async () => fn(i++) : () => fn(i++);
  bench.add(name, task, {
    async: options.async,
    beforeAll: () => {
      i = 0;
    },
  });
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('latency' in result) || result.latency.samples === undefined) {
    throw new Error(`benchmark ${name} produced no samples (state ${result?.state ?? 'unknown'}).`);
  }
  return result.latency.samples.map((ms) => ms * 1000);
}

/** A contender of {@link interleave}. */
export interface InterleavedTask {
  /** Name shown in tables. */
  name: string;
  /** One timed operation; call `i` of every task receives the same `i`. */
  fn: (i: number) => Promise<unknown>;
}

/**
 * Runs `total` calls of each task in blocks of `block`, alternating which task goes first
 * (A B, B A, ...), so drift in the machine's load hits every task alike; call `i` of each task
 * gets the same `i`. Returns each task's samples (µs) pooled over all blocks.
 */
export async function interleave(
  tasks: readonly InterleavedTask[],
  total: number,
  block: number,
): Promise<Map<string, number[]>> {
  const pooled = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let start = 0, round = 0; start < total; start += block, round++) {
    const count = Math.min(block, total - start);
    const order = round % 2 === 0 ? tasks : [...tasks].reverse();
    for (const t of order) {
      const samples = await sampleLatencies(t.name, (i) => t.fn(start + i), {
        iterations: count,
        async: true,
      });
      pooled.get(t.name)?.push(...samples);
    }
  }
  return pooled;
}

/** Result of {@link measureThroughput}. */
export interface ThroughputFigures {
  /** Completed calls per second of wall time. */
  opsPerSec: number;
  /** Calls made. */
  calls: number;
  /** Wall time of the run in ms. */
  wallMs: number;
  /** Latency of individual calls while `concurrency` were in flight. */
  latency: LatencySummary;
}

/** Runs `calls` calls of `fn` with up to `concurrency` in flight (tinybench task concurrency). */
export async function measureThroughput(
  name: string,
  fn: (i: number) => Promise<unknown>,
  calls: number,
  concurrency: number,
): Promise<ThroughputFigures> {
  let i = 0;
  const bench = new Bench({
    concurrency: 'task',
    threshold: concurrency,
    iterations: calls,
    time: 0,
    warmup: false,
    retainSamples: true,
    throws: true,
    timestampProvider: 'hrtimeNow',
  });
  bench.add(name, () => fn(i++), { async: true });
  const start = performance.now();
  await bench.run();
  const wallMs = performance.now() - start;
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('latency' in result) || result.latency.samples === undefined) {
    throw new Error(`benchmark ${name} produced no samples (state ${result?.state ?? 'unknown'}).`);
  }
  const done = result.latency.samplesCount;
  return {
    opsPerSec: (done / wallMs) * 1000,
    calls: done,
    wallMs,
    latency: summarize(result.latency.samples.map((ms) => ms * 1000)),
  };
}

/**
 * For each of `count` queries, the fastest of `repeats` calls of `fn(i)` (timed with
 * `performance.now`), summarized: on a shared machine, a single sample's tail is set by
 * pre-emption; the fastest of a few is the work's own cost with warm caches.
 */
export async function fastestOf(
  repeats: number,
  count: number,
  fn: (i: number) => unknown,
): Promise<LatencySummary> {
  const best = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const result = fn(i);
      if (result instanceof Promise) await result;
      const us = (performance.now() - start) * 1000;
      if (us < (best[i] as number)) best[i] = us;
    }
  }
  return summarize(best);
}
