#!/usr/bin/env node
import { CalibratedGuard, operatingPointFor } from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { Command } from 'commander';
import { buildCandidateRows, type CandidateRow, calibrate, replay } from './calibration.js';
import { embedTexts } from './embed-texts.js';
import { f4, formatCurve, formatMetrics } from './format.js';
import { readPairs } from './pairs-csv.js';
import type { ProtocolMetrics } from './protocol-metrics.js';
import { parseSplit, selectSplit } from './split.js';

const program = new Command()
  .name('calibrate')
  .description(
    'Picks the operating point of the answer-quality guard (similarity floor, weights, score threshold) that maximizes recall at a target precision under the cache protocol on labeled pairs (question1,question2,is_duplicate), and prints the precision/recall curve. Each file is its own scope; their rows are pooled.',
  )
  .requiredOption('--pairs <files...>', 'CSV files with question1,question2,is_duplicate')
  .option('--target-precision <p>', 'precision the operating point must reach', '0.95')
  .option('--split <part>', 'rows to use: tune, holdout or all (hash of question1)', 'tune')
  .option('--keep-weights', "keep the embedder's current weights; only pick floor and threshold")
  .option('--embedding-cache <file>', 'reuse and extend embeddings stored in this JSON file')
  .parse();

const opts = program.opts<{
  pairs: string[];
  targetPrecision: string;
  split: string;
  keepWeights?: boolean;
  embeddingCache?: string;
}>();

const target = Number(opts.targetPrecision);
if (!(target > 0 && target <= 1)) {
  program.error(`--target-precision must be in (0, 1], got ${opts.targetPrecision}`);
}
const split = parseSplit(opts.split);
const embedder = new LocalEmbedder();
const current = operatingPointFor(embedder.id);
const probe = new CalibratedGuard({ operatingPoint: current });
const files: { file: string; rows: CandidateRow[] }[] = [];
for (const file of opts.pairs) {
  const pairs = selectSplit(await readPairs(file), split);
  const vectors = await embedTexts(
    embedder,
    pairs.flatMap((p) => [p.question1, p.question2]),
    opts.embeddingCache,
  );
  files.push({ file, rows: buildCandidateRows(pairs, vectors, probe) });
  console.log(`${file}: ${pairs.length} rows (${split} split)`);
}
await embedder.close();
const pooled = files.flatMap((f) => f.rows);

const result = calibrate(pooled, {
  embedderId: embedder.id,
  targetPrecision: target,
  ...(opts.keepWeights ? { weights: current.weights } : {}),
  provenance: `pnpm calibrate --split ${split} --target-precision ${target} --pairs ${opts.pairs.join(' ')}`,
});
console.log(
  `\nprecision/recall curve (cache protocol, pooled; similarity floor ${result.point.minSimilarity}):`,
);
console.log(formatCurve(result.curve));
const m = result.at.metrics;
console.log(
  `\n${result.reachedTarget ? 'operating point' : `target precision ${target} not reached; most precise point at recall >= 0.1`}: ` +
    `floor ${result.point.minSimilarity}, threshold ${f4(result.point.threshold)} → precision ${f4(m.precision)}, recall ${f4(m.recall)}, wrong-hit rate ${f4(m.wrongHitRate)}`,
);
const show = (label: string, metrics: ProtocolMetrics) => {
  console.log(`\n${label}`);
  console.log(formatMetrics(metrics));
};
for (const f of files) {
  show(`${f.file} at the chosen point:`, replay(f.rows, result.point));
  show(`${f.file} at the current point of ${embedder.id}:`, replay(f.rows, current));
}
console.log(
  '\noperating point (for OPERATING_POINTS in packages/core/src/guard/operating-points.ts):',
);
console.log(JSON.stringify(result.point, null, 2));
