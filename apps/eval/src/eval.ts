#!/usr/bin/env node
import { basename } from 'node:path';
import { operatingPointFor } from '@cache/core';
import { Command } from 'commander';
import { runCacheProtocol } from './cache-protocol.js';
import { createEmbedder, precomputedEmbedder } from './embedder-choice.js';
import { embedFiles, loadFiles } from './eval-inputs.js';
import { evaluateFiles } from './evaluate.js';
import { formatEvaluationTable, formatPchr } from './format.js';
import { thinCurve } from './pchr-curve.js';
import { parseProtocols } from './protocol.js';
import { defaultSharedDir, embeddingCacheFile, resolveFromRoot } from './repo-paths.js';
import { runCli } from './run-cli.js';
import { parseSplit } from './split.js';
import { type SuiteFile, suiteFiles } from './suite.js';

const program = new Command()
  .name('eval')
  .description(
    'Scores the cache in its default configuration (memory exact store, LSH vector store, offline embedder, default guard) on labeled pairs under two protocols: store-all (every question1 of a file stored in one scope, every question2 looked up) and pairwise (each pair alone in its own namespace). One table row per file and protocol, with the area of the precision / cache-hit-ratio curve. Relative paths resolve against the repository root.',
  )
  .option(
    '--pairs <files...>',
    'pairs files: CSV question1,question2,is_duplicate or JSON [{origin,similar}]',
  )
  .option('--suite', 'every shared and tune file plus apps/eval/data/near-miss-pairs.csv')
  .option('--shared-dir <dir>', 'shared evaluation data of --suite (default <repo>/../shared/eval)')
  .option('--protocol <name>', 'store-all, pairwise or both', 'both')
  .option('--split <part>', 'rows to use: all, tune or holdout (hash of question1)', 'all')
  .option('--embedder <id>', "LocalEmbedder model id (default: LocalEmbedder's default)")
  .option(
    '--embedding-cache <file>',
    'embedding cache file (default <repo>/.cache/eval/embeddings/<id>.jsonl)',
  )
  .option('--curve', 'also print each P-CHR curve with the default operating point marked')
  .option('--by-kind', 'also print figures per value of the optional kind column')
  .option('--json', 'print one JSON object with every figure and curve instead of the tables')
  .parse();

const opts = program.opts<{
  pairs?: string[];
  suite?: boolean;
  sharedDir?: string;
  protocol: string;
  split: string;
  embedder?: string;
  embeddingCache?: string;
  curve?: boolean;
  byKind?: boolean;
  json?: boolean;
}>();

await runCli('eval', async () => {
  if (opts.pairs === undefined && opts.suite !== true) {
    program.error('pass --pairs FILE... or --suite');
  }
  const protocols = parseProtocols(opts.protocol);
  const split = parseSplit(opts.split);
  const named: SuiteFile[] = (opts.pairs ?? []).map((p) => ({
    label: p,
    path: resolveFromRoot(p),
  }));
  const shared =
    opts.sharedDir === undefined ? defaultSharedDir() : resolveFromRoot(opts.sharedDir);
  const files = await loadFiles(
    [...(opts.suite === true ? suiteFiles(undefined, shared) : []), ...named],
    split,
  );
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const embedder = createEmbedder(opts.embedder);
  try {
    const cacheFile =
      opts.embeddingCache === undefined
        ? await embeddingCacheFile(embedder.id)
        : resolveFromRoot(opts.embeddingCache);
    let lastShown = 0;
    const vectors = await embedFiles(embedder, files, cacheFile, (done, total) => {
      if (done === total || done - lastShown >= 1000) {
        lastShown = done;
        log(`embedded ${done} of ${total} new texts (${basename(cacheFile)})`);
      }
    });
    const point = operatingPointFor(embedder.id);
    const results = await evaluateFiles(files, {
      protocols,
      embedder,
      vectors,
      point,
      onStart: (file, protocol) => log(`${file}: ${protocol}`),
    });
    if (opts.json) {
      console.log(
        JSON.stringify({
          embedderId: embedder.id,
          split,
          operatingPoint: point,
          results: results.map((r) => ({
            file: r.file,
            protocol: r.protocol,
            ...r.metrics,
            pchr: { ...r.pchr, points: thinCurve(r.pchr.points, 100) },
          })),
        }),
      );
    } else {
      console.log(
        `eval: embedder ${embedder.id}, operating point threshold ${point.threshold}, similarity floor ${point.minSimilarity}, split ${split}\n`,
      );
      console.log(formatEvaluationTable(results));
      if (opts.curve) {
        for (const r of results) {
          console.log(`\n${r.file} (${r.protocol}): P-CHR curve`);
          console.log(formatPchr(r.pchr));
        }
      }
    }
    if (opts.byKind) {
      // With --json, stdout holds the JSON object alone.
      const print = opts.json ? log : (line: string) => console.log(line);
      const cached = precomputedEmbedder(embedder, vectors);
      for (const file of files) {
        const kinds = [...new Set(file.pairs.map((p) => p.kind ?? '(none)'))].sort();
        if (kinds.length < 2) continue;
        for (const protocol of protocols) {
          print(`\n${file.label} (${protocol}) by kind:`);
          for (const kind of kinds) {
            // Each kind runs in a fresh cache so its figures do not depend on the other kinds' entries.
            const subset = file.pairs.filter((p) => (p.kind ?? '(none)') === kind);
            const m = await runCacheProtocol(subset, {
              protocol,
              cacheOptions: { embedder: cached },
            });
            print(
              `kind ${kind.padEnd(11)} rows ${String(m.rows).padStart(5)}  precision ${m.precision.toFixed(3)}  recall ${m.recall.toFixed(3)}  wrong-hit ${m.wrongHitRate.toFixed(3)}`,
            );
          }
        }
      }
    }
  } finally {
    await embedder.close?.();
  }
});
