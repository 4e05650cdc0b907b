import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createDefaultGuard } from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { renderReport } from '../report/html.js';
import { DEFAULT_COMPARE_WORKLOAD, loadBundledWorkload, loadWorkload } from '../workload/load.js';
import { compareConfigs } from './configs.js';
import { MemoEmbedder } from './memo-embedder.js';
import { formatScore, formatSummary } from './print.js';
import { runComparison } from './run.js';
import { thresholdSweep } from './sweep.js';

/** Options of `demo compare`. */
export interface CompareOptions {
  /** Workload file; the bundled labeled sample when absent. */
  workload?: string;
  /** Where to write the HTML report. */
  out: string;
  /** Show a progress bar. */
  progress: boolean;
}

/** `demo compare`: runs the comparison, prints the tables and writes the report. */
export async function runCompare(options: CompareOptions): Promise<void> {
  const workload = options.workload
    ? await loadWorkload(options.workload)
    : await loadBundledWorkload(DEFAULT_COMPARE_WORKLOAD);
  console.log(
    `Workload ${workload.name}: ${workload.requests.length} requests${workload.labeled ? ` from ${workload.pairs.length} labeled pairs` : ''} (${workload.source})`,
  );
  const local = new LocalEmbedder();
  await local.load();
  const embedder = new MemoEmbedder(local);
  const configs = compareConfigs(embedder, {
    redisUrl: process.env.REDIS_URL,
    databaseUrl: process.env.DATABASE_URL,
    qdrantUrl: process.env.QDRANT_URL,
  });
  try {
    const run = await runComparison(workload, configs, {
      progress: options.progress,
      embedder,
      log: (line) => console.log(`  ${line}`),
    });
    console.log('');
    for (const score of run.scores) console.log(`${formatScore(score, workload.labeled)}\n`);
    for (const s of run.skipped) console.log(`── ${s.name}: not run (${s.reason})`);
    console.log(`\n${formatSummary(run)}\n`);
    const guard = createDefaultGuard(embedder.id);
    const sweep = workload.labeled ? await thresholdSweep(workload.pairs, embedder, guard) : [];
    const notes = [
      'The model is the stand-in (StandInChatModel, not a real LLM), run without delay; every model call is charged the 300–800 ms the stand-in would have slept (deterministic per prompt). Cache steps are measured for real on this machine.',
      'Each distinct text is embedded once for the whole run; every configuration that embeds it is charged that measured embedding time, so configurations differ in lookup and store time, not in embedder warm-up.',
      'Latency "no cache" is the simulated model time of the same requests. Cost saved uses gpt-4o-mini list prices ($0.15 / $0.60 per million prompt / completion tokens) on the stand-in\'s token estimates.',
      "Workload protocol: every first question is asked (stored), then every second question, then every fifth first question again verbatim. A hit is right only when it serves the answer stored for the same pair's first question on a duplicate pair; wrong-hit rate = hits on non-duplicate pairs / non-duplicate pairs.",
      `Embedder ${embedder.id}; guard ${guard.id}.`,
    ];
    const html = await renderReport({
      title: 'Semantic cache: configurations compared',
      generatedAt: new Date().toISOString(),
      workload: {
        name: workload.name,
        source: workload.source,
        requests: workload.requests.length,
        labeled: workload.labeled,
        pairs: workload.pairs.length,
      },
      scores: run.scores,
      skipped: run.skipped,
      sweep,
      sweepSetup: `brute-force cosine over the ${workload.pairs.length} pairs with ${embedder.id}; "with guard" lets ${guard.id} judge the top 5 candidates above the threshold, as the cache does.`,
      notes,
    });
    const out = resolve(options.out);
    await writeFile(out, html);
    console.log(`Report written to ${out}`);
    console.log(
      'Latency figures include simulated model time (the stand-in is not slept in compare).',
    );
  } finally {
    await local.close();
  }
}
