import {
  type CacheResult,
  type ChatRequest,
  type Embedder,
  MemoryExactStore,
  SemanticCache,
  type SemanticCacheOptions,
  StandInChatModel,
} from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { LshVectorStore } from '@cache/lsh';
import { type BenchContext, put, sized } from '../context.js';
import { loadEvalData, unique } from '../eval-data.js';
import { HashEmbedder } from '../hash-embedder.js';
import { measureThroughput, type ThroughputFigures } from '../measure.js';
import { heldBytes } from '../memory.js';
import { Prng } from '../prng.js';
import { note, printTable } from '../table.js';

const CONCURRENCY = 32;

const request = (prompt: string): ChatRequest => ({
  model: 'bench-model',
  messages: [{ role: 'user', content: prompt }],
});

function makeCache(embedder: Embedder, options: Partial<SemanticCacheOptions> = {}): SemanticCache {
  return new SemanticCache({
    exactStore: new MemoryExactStore(),
    vectorStore: new LshVectorStore({ dimension: embedder.dimension }),
    embedder,
    model: new StandInChatModel({ delayMs: 0 }),
    ...options,
  });
}

/** Prompt indices drawn from a Zipf(1) law over `pool` prompts: a few are asked very often. */
function zipfSchedule(rng: Prng, pool: number, calls: number): Uint32Array {
  const cdf = new Float64Array(pool);
  let sum = 0;
  for (let i = 0; i < pool; i++) {
    sum += 1 / (i + 1);
    cdf[i] = sum;
  }
  const out = new Uint32Array(calls);
  for (let c = 0; c < calls; c++) {
    const u = rng.next() * sum;
    let lo = 0;
    let hi = pool - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    out[c] = lo;
  }
  return out;
}

interface Row {
  workload: string;
  figures: ThroughputFigures;
  sources: Record<string, number>;
}

async function run(
  name: string,
  cache: SemanticCache,
  prompts: readonly string[],
  schedule: Uint32Array,
): Promise<Row> {
  const sources: Record<string, number> = {};
  const figures = await measureThroughput(
    name,
    async (i) => {
      const result: CacheResult = await cache.complete(
        request(prompts[schedule[i % schedule.length] as number] as string),
      );
      sources[result.source] = (sources[result.source] ?? 0) + 1;
    },
    schedule.length,
    CONCURRENCY,
  );
  return { workload: name, figures, sources };
}

/**
 * Section `throughput`: read-through calls (`complete`) at concurrency 32 on memory stores with
 * the stand-in model at zero delay, and the memory one cached entry holds. The cache's own cost
 * is measured with a microsecond hash embedder; the same workload with the offline LocalEmbedder
 * shows what a real embedder leaves of it.
 */
export async function throughputSection(ctx: BenchContext): Promise<void> {
  const evalData = loadEvalData(ctx.evalDir);
  const prompts = unique(evalData.questionPairs.flatMap((p) => [p.question1, p.question2]));
  const rng = new Prng(ctx.seed ^ 0x7e57);
  const calls = sized(ctx, 50_000, 5_000, 300);
  const pool = sized(ctx, 5_000, 1_000, 100);
  const rows: Row[] = [];

  const hashCache = makeCache(new HashEmbedder());
  // Warm the code paths on prompts outside the measured pool.
  for (let i = 0; i < sized(ctx, 2_000, 2_000, 50); i++)
    await hashCache.complete(request(`${prompts[prompts.length - 1 - (i % 500)]} #${i % 700}`));
  rows.push(
    await run(
      'Zipf mix over distinct questions, hash embedder',
      hashCache,
      prompts.slice(0, pool),
      zipfSchedule(rng, pool, calls),
    ),
  );
  const hot = Uint32Array.from({ length: calls }, (_, i) => i % 100);
  for (let i = 0; i < 100; i++) await hashCache.complete(request(prompts[i] as string));
  rows.push(
    await run(
      '100 prompts asked again and again (exact hits), hash embedder',
      hashCache,
      prompts.slice(0, pool),
      hot,
    ),
  );
  await hashCache.close();

  const local = new LocalEmbedder();
  await local.load();
  const localCache = makeCache(local);
  for (let i = 0; i < 64; i++)
    await localCache.complete(request(`${prompts[prompts.length - 1 - i]}`));
  const localCalls = sized(ctx, 5_000, 500, 50);
  const localPool = sized(ctx, 1_000, 200, 20);
  rows.push(
    await run(
      'Zipf mix over distinct questions, LocalEmbedder',
      localCache,
      prompts.slice(pool, pool + localPool),
      zipfSchedule(rng, localPool, localCalls),
    ),
  );
  await localCache.close();

  printTable(
    `Read-through throughput at concurrency ${CONCURRENCY} (memory stores, stand-in model at 0 ms)`,
    ['workload', 'calls', 'calls/s', 'p50 µs', 'p99 µs', 'exact', 'semantic', 'model'],
    rows.map((r) => [
      r.workload,
      r.figures.calls,
      r.figures.opsPerSec,
      r.figures.latency.p50Us,
      r.figures.latency.p99Us,
      r.sources.exact ?? 0,
      r.sources.semantic ?? 0,
      r.sources.model ?? 0,
    ]),
  );

  const asked = prompts.slice(0, sized(ctx, 20_000, 2_000, 100));
  const memoryRows = [
    ['cache as configured above', await bytesPerEntry(asked, {})],
    [
      'stores alone (embedding LRU off, a guard that keeps nothing)',
      await bytesPerEntry(asked, {
        embeddingCacheSize: 0,
        guard: { id: 'keeps-nothing', judge: () => ({ accept: true, reasons: [] }) },
      }),
    ],
  ] as const;
  printTable(
    'Memory per cached entry (MemoryExactStore + LshVectorStore, 512-d vectors, hash embedder, after a full GC)',
    ['what is counted', 'entries', 'bytes/entry', 'mean prompt chars', 'mean answer chars'],
    memoryRows.map(([label, m]) => [
      label,
      m.entries,
      m.bytesPerEntry,
      m.meanPromptChars,
      m.meanAnswerChars,
    ]),
  );
  note(
    "bytes/entry: growth of heap + array buffers ÷ entries stored (bypassed prompts store nothing). The cache as configured also holds its bounded side caches: the last 10,000 embeddings and the guard's analyses of up to 10,000 prompts, a fixed cost that more entries share",
  );

  const main = rows[0] as Row;
  put(ctx.report, 'throughput', {
    concurrency: CONCURRENCY,
    opsPerSec: main.figures.opsPerSec,
    workloads: rows.map((r) => ({
      workload: r.workload,
      calls: r.figures.calls,
      opsPerSec: r.figures.opsPerSec,
      p50Us: r.figures.latency.p50Us,
      p99Us: r.figures.latency.p99Us,
      sources: r.sources,
    })),
  });
  put(ctx.report, 'memory', {
    ...memoryRows[0][1],
    storesAlone: memoryRows[1][1],
  });
}

/** What one memory-per-entry measurement found. */
interface MemoryFigures {
  entries: number;
  bytesPerEntry: number;
  meanPromptChars: number;
  meanAnswerChars: number;
}

/** Asks every prompt of `asked` once through a fresh cache and divides the memory grown by the entries stored. */
async function bytesPerEntry(
  asked: readonly string[],
  options: Partial<SemanticCacheOptions>,
): Promise<MemoryFigures> {
  const cache = makeCache(new HashEmbedder(), options);
  try {
    await cache.complete(request('warm-up'));
    const before = heldBytes();
    let entries = 0;
    let promptChars = 0;
    let answerChars = 0;
    for (let start = 0; start < asked.length; start += CONCURRENCY) {
      const batch = asked.slice(start, start + CONCURRENCY);
      const results = await Promise.all(batch.map((p) => cache.complete(request(p))));
      for (const [j, r] of results.entries()) {
        if (!r.stored) continue;
        entries++;
        promptChars += (batch[j] as string).length;
        answerChars += r.response.content.length;
      }
    }
    return {
      entries,
      bytesPerEntry: (heldBytes() - before) / entries,
      meanPromptChars: promptChars / entries,
      meanAnswerChars: answerChars / entries,
    };
  } finally {
    await cache.close();
  }
}
