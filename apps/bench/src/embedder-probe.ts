/**
 * Child process of the `embedders` section: measures one `LocalEmbedder` model in a fresh
 * process (so cold start and RSS are its own) and sends the figures back over IPC. It receives
 * a {@link ProbeRequest} message and answers with a {@link ProbeResult}.
 */
import { quantile } from './stats.js';

/** What the section asks the probe to measure. */
export interface ProbeRequest {
  /** The `LocalEmbedder` model id. */
  model: string;
  /** Distinct sentences; each timed call takes fresh ones while they last. */
  sentences: string[];
  /** Untimed single-text calls after the first vector. */
  warmup: number;
  /** Timed single-text calls. */
  singles: number;
  /** Batch sizes to time, and timed batches of each. */
  batchSizes: number[];
  batchReps: number;
}

/** What the probe measured (milliseconds, MiB). */
export interface ProbeResult {
  model: string;
  /** Import of `@cache/local`, construction and the first vector (worker, weights, first pass). */
  coldStartMs: number;
  /** CPU time of the cold start, all threads (the weights are read and converted in the worker). */
  coldStartCpuMs: number;
  /**
   * Per batch size (`1`: single-text calls): the median call's wall time and the median call's
   * CPU time (all threads of the process, so mostly the worker's), each divided by the batch size.
   * CPU time hardly depends on what else the machine runs; wall time does.
   */
  perSentence: Record<string, { wallMs: number; cpuMs: number }>;
  /** Process RSS after the first vector, and the peak over the run (worker thread included). */
  rssAfterLoadMiB: number;
  peakRssMiB: number;
  /** First `inspect` (its tokenizer built on the main thread) and the median of later ones, in µs. */
  firstInspectMs: number;
  inspectUs: number;
}

const MiB = 1024 * 1024;

async function probe(request: ProbeRequest): Promise<ProbeResult> {
  const { sentences } = request;
  let next = 0;
  const take = (n: number): string[] => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(sentences[next++ % sentences.length] as string);
    return out;
  };
  const startCpu = process.cpuUsage();
  const start = performance.now();
  const { LocalEmbedder } = await import('@cache/local');
  const embedder = new LocalEmbedder({ model: request.model as never });
  await embedder.embed(take(1));
  const coldStartMs = performance.now() - start;
  const coldCpu = process.cpuUsage(startCpu);
  const coldStartCpuMs = (coldCpu.user + coldCpu.system) / 1000;
  const rssAfterLoadMiB = process.memoryUsage().rss / MiB;

  const time = async (texts: string[]): Promise<{ wallMs: number; cpuMs: number }> => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await embedder.embed(texts);
    const wallMs = performance.now() - t;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000 };
  };
  // Warm-up: WebAssembly and tfjs kernels are optimized in background threads during the first
  // calls, whose CPU time the process counts.
  for (let i = 0; i < request.warmup; i++) await time(take(1));
  const perSentence: ProbeResult['perSentence'] = {};
  for (const [size, reps] of [
    [1, request.singles],
    ...request.batchSizes.map((b) => [b, request.batchReps]),
  ] as [number, number][]) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < reps; i++) {
      const run = await time(take(size));
      wall.push(run.wallMs / size);
      cpu.push(run.cpuMs / size);
    }
    perSentence[String(size)] = { wallMs: quantile(wall, 0.5), cpuMs: quantile(cpu, 0.5) };
  }

  let t = performance.now();
  embedder.inspect(sentences[0] as string);
  const firstInspectMs = performance.now() - t;
  const inspects: number[] = [];
  for (let i = 0; i < 200; i++) {
    const text = sentences[i % sentences.length] as string;
    t = performance.now();
    embedder.inspect(text);
    inspects.push((performance.now() - t) * 1000);
  }
  await embedder.close();
  return {
    model: request.model,
    coldStartMs,
    coldStartCpuMs,
    perSentence,
    rssAfterLoadMiB,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    firstInspectMs,
    inspectUs: quantile(inspects, 0.5),
  };
}

process.once('message', (request: ProbeRequest) => {
  probe(request).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
