import type { CacheResult, SemanticCache } from '@cache/core';
import { isRight } from './compare/score.js';
import type { Workload, WorkloadRequest } from './workload/types.js';

/**
 * Requests in flight at once: many while storing (only the answers matter), few while looking
 * up, so CPU-bound embedding does not delay the stand-in's timers and inflate the timings.
 */
const CONCURRENCY = [16, 4] as const;

/**
 * Replays `workload` through `cache` in phases (first questions, then paraphrases and repeats),
 * each phase with a few requests in flight, and prints hit rates, model calls saved and time
 * saved. Time saved = each hit's would-be model time (the mean model time measured on this
 * run's misses) minus the time the hit took.
 */
export async function replayWorkload(
  cache: SemanticCache,
  workload: Workload,
  model: string,
): Promise<void> {
  console.log(
    `Replaying ${workload.requests.length} requests of ${workload.name} (${workload.source})`,
  );
  console.log(
    '  phase 1 stores every original sentence; phase 2 asks each paraphrase and some originals again.',
  );
  const started = performance.now();
  const outcomes: { request: WorkloadRequest; result: CacheResult }[] = [];
  const phases = [
    workload.requests.filter((r) => r.kind === 'store'),
    workload.requests.filter((r) => r.kind !== 'store'),
  ];
  for (const [index, phase] of phases.entries()) {
    let next = 0;
    const worker = async () => {
      while (next < phase.length) {
        const request = phase[next++] as WorkloadRequest;
        const result = await cache.complete({
          model,
          messages: [{ role: 'user', content: request.prompt }],
          temperature: 0,
        });
        outcomes.push({ request, result });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY[index] as number }, worker));
  }
  const wall = (performance.now() - started) / 1000;
  const count = (source: string) => outcomes.filter((o) => o.result.source === source).length;
  const hits = outcomes.filter(
    (o) => o.result.source === 'exact' || o.result.source === 'semantic',
  );
  const lookupMisses = outcomes.filter(
    (o) => o.request.kind !== 'store' && o.result.source === 'model',
  );
  const misses =
    lookupMisses.length > 0 ? lookupMisses : outcomes.filter((o) => o.result.source === 'model');
  const meanModelMs =
    misses.reduce((s, o) => s + (o.result.timings.modelMs ?? 0), 0) / Math.max(1, misses.length);
  const hitMs = hits.reduce((s, o) => s + o.result.timings.totalMs, 0);
  const wrong = hits.filter(
    (o) =>
      !isRight(o.request, o.result.source === 'exact' ? o.request.prompt : o.result.matchedPrompt),
  ).length;
  const lookups = outcomes.filter((o) => o.request.kind !== 'store');
  const lookupHits = lookups.filter(
    (o) => o.result.source === 'exact' || o.result.source === 'semantic',
  );
  const metrics = cache.metrics();
  const pct = (n: number, d: number) => `${d === 0 ? '0.0' : ((100 * n) / d).toFixed(1)} %`;
  console.log(`\nResults (${outcomes.length} requests in ${wall.toFixed(1)} s):`);
  console.log(
    `  hit rate        ${pct(hits.length, outcomes.length)} overall, ${pct(lookupHits.length, lookups.length)} of phase 2`,
  );
  console.log(
    `  by source       exact ${count('exact')} · semantic ${count('semantic')} · model (miss) ${count('model')} · bypass ${count('bypass')}`,
  );
  console.log(`  wrong hits      ${wrong} (a hit serving the answer stored for another sentence)`);
  console.log(
    `  model calls     ${metrics.modelCalls} made, ${hits.length} saved (${pct(hits.length, outcomes.length)})`,
  );
  console.log(
    `  time saved      ≈ ${((hits.length * meanModelMs - hitMs) / 1000).toFixed(1)} s of model time (mean model call in phase 2 ${meanModelMs.toFixed(0)} ms; mean hit ${(hitMs / Math.max(1, hits.length)).toFixed(1)} ms)`,
  );
  console.log(
    `  tokens saved    ${metrics.tokensSaved} (≈ $${metrics.costSaved.toFixed(5)} at gpt-4o-mini prices)`,
  );
  console.log(`  guard rejected  ${metrics.guardRejections} semantic candidates`);
  console.log(
    '\nNext: `pnpm demo compare` (configurations side by side, HTML report) and `pnpm demo serve`.',
  );
}
