#!/usr/bin/env node
import { Command } from 'commander';
import { runCacheProtocol } from './cache-protocol.js';
import { formatMetrics } from './format.js';
import { readPairs } from './pairs-csv.js';
import { parseSplit, selectSplit } from './split.js';

const program = new Command()
  .name('eval')
  .description(
    'Runs the cache protocol of ../shared/eval/README.md through SemanticCache in its default configuration (memory exact store, LSH vector store, offline USE-lite embedder, default guard) on labeled pairs, all rows in one scope.',
  )
  .requiredOption('--pairs <file>', 'CSV with question1,question2,is_duplicate (RFC 4180)')
  .option('--split <part>', 'rows to use: all, tune or holdout (hash of question1)', 'all')
  .option('--by-kind', 'also print figures per value of the optional kind column')
  .option('--json', 'end with one JSON line: precision, recall, wrongHitRate, hitRate, rows')
  .parse();

const opts = program.opts<{ pairs: string; split: string; json?: boolean; byKind?: boolean }>();
const pairs = selectSplit(await readPairs(opts.pairs), parseSplit(opts.split));
if (pairs.length === 0) program.error(`no rows in the ${opts.split} split of ${opts.pairs}`);

console.log(`eval: ${pairs.length} rows of ${opts.pairs} (split ${opts.split})`);
const metrics = await runCacheProtocol(pairs);
console.log(formatMetrics(metrics));
if (opts.byKind) {
  const kinds = [...new Set(pairs.map((p) => p.kind ?? '(none)'))].sort();
  for (const kind of kinds) {
    // Each kind runs in a fresh cache so its figures do not depend on the other kinds' entries.
    const subset = pairs.filter((p) => (p.kind ?? '(none)') === kind);
    const m = await runCacheProtocol(subset);
    console.log(
      `kind ${kind.padEnd(11)} rows ${String(m.rows).padStart(5)}  precision ${m.precision.toFixed(3)}  recall ${m.recall.toFixed(3)}  wrong-hit ${m.wrongHitRate.toFixed(3)}`,
    );
  }
}
if (opts.json) {
  const { precision, recall, wrongHitRate, hitRate, rows } = metrics;
  console.log(JSON.stringify({ precision, recall, wrongHitRate, hitRate, rows }));
}
