#!/usr/bin/env node
import { CalibratedGuard, operatingPointFor } from '@cache/core';
import { Command } from 'commander';
import { type Calibration, type CandidateRow, calibrate, replay } from './calibration.js';
import { createEmbedder } from './embedder-choice.js';
import { candidateRowsOf, embedFiles, loadFiles } from './eval-inputs.js';
import { f3, f4, formatCurve } from './format.js';
import { type CalibrationFile, figuresAt, leaveOneOut } from './leave-one-out.js';
import { PROTOCOLS, parseProtocols } from './protocol.js';
import { defaultSharedDir, embeddingCacheFile, resolveFromRoot } from './repo-paths.js';
import { runCli } from './run-cli.js';
import { parseSplit } from './split.js';
import { type SuiteFile, suiteFiles } from './suite.js';

const program = new Command()
  .name('calibrate')
  .description(
    "Picks the operating point of the answer-quality guard (similarity floor, weights, score threshold) with the most recall at a target precision under a protocol (store-all: each file its own scope; pairwise: each pair alone) on labeled pairs, and prints the precision/recall curve. The files' rows are pooled. With --leave-one-out, also fits without each file in turn and scores the held-out file. Relative paths resolve against the repository root.",
  )
  .option(
    '--pairs <files...>',
    'pairs files: CSV question1,question2,is_duplicate or JSON [{origin,similar}]',
  )
  .option('--suite', 'every file of pnpm eval --suite')
  .option('--shared-dir <dir>', 'shared evaluation data of --suite (default <repo>/../shared/eval)')
  .option('--target-precision <p>', 'precision the operating point must reach', '0.95')
  .option(
    '--protocol <name>',
    'protocol the target is fitted on: store-all or pairwise',
    'store-all',
  )
  .option('--leave-one-out', 'fit on all files but one, for each file, and score the held-out one')
  .option('--split <part>', 'rows to use: tune, holdout or all (hash of question1)', 'tune')
  .option('--keep-weights', "keep the embedder's current weights; only pick floor and threshold")
  .option('--embedder <id>', "LocalEmbedder model id (default: LocalEmbedder's default)")
  .option(
    '--embedding-cache <file>',
    'embedding cache file (default <repo>/.cache/eval/embeddings/<id>.jsonl)',
  )
  .parse();

const opts = program.opts<{
  pairs?: string[];
  suite?: boolean;
  sharedDir?: string;
  targetPrecision: string;
  protocol: string;
  leaveOneOut?: boolean;
  split: string;
  keepWeights?: boolean;
  embedder?: string;
  embeddingCache?: string;
}>();

await runCli('calibrate', async () => {
  const target = Number(opts.targetPrecision);
  if (!(target > 0 && target <= 1)) {
    program.error(`--target-precision must be in (0, 1], got ${opts.targetPrecision}`);
  }
  if (opts.pairs === undefined && opts.suite !== true)
    program.error('pass --pairs FILE... or --suite');
  const [protocol] = parseProtocols(opts.protocol, false) as [(typeof PROTOCOLS)[number]];
  const split = parseSplit(opts.split);
  const named: SuiteFile[] = (opts.pairs ?? []).map((p) => ({
    label: p,
    path: resolveFromRoot(p),
  }));
  const shared =
    opts.sharedDir === undefined ? defaultSharedDir() : resolveFromRoot(opts.sharedDir);
  const loaded = await loadFiles(
    [...(opts.suite === true ? suiteFiles(undefined, shared) : []), ...named],
    split,
  );
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const embedder = createEmbedder(opts.embedder);
  let vectors: Map<string, Float32Array>;
  try {
    const cacheFile =
      opts.embeddingCache === undefined
        ? await embeddingCacheFile(embedder.id)
        : resolveFromRoot(opts.embeddingCache);
    vectors = await embedFiles(embedder, loaded, cacheFile, (done, total) => {
      if (done === total || done % 1024 === 0) log(`embedded ${done} of ${total} new texts`);
    });
  } finally {
    await embedder.close?.();
  }
  const current = operatingPointFor(embedder.id);
  const probe = new CalibratedGuard({ operatingPoint: current });
  const files: CalibrationFile[] = loaded.map((f) => {
    console.log(`${f.label}: ${f.pairs.length} rows (${split} split)`);
    return {
      label: f.label,
      rows: {
        'store-all': candidateRowsOf(f, vectors, probe, 'store-all'),
        pairwise: candidateRowsOf(f, vectors, probe, 'pairwise'),
      },
    };
  });

  const fit = (rows: CandidateRow[], fittedOn: string[]): Calibration =>
    calibrate(rows, {
      embedderId: embedder.id,
      targetPrecision: target,
      ...(opts.keepWeights ? { weights: current.weights } : {}),
      provenance: `pnpm calibrate --protocol ${protocol} --split ${split} --target-precision ${target}${opts.keepWeights ? ' --keep-weights' : ''} --pairs ${fittedOn.join(' ')}`,
    });

  const describe = (c: Calibration) =>
    `floor ${c.point.minSimilarity}, threshold ${f4(c.point.threshold)}${c.reachedTarget ? '' : ` (target ${target} not reached)`}`;

  if (opts.leaveOneOut) {
    console.log(
      `\nleave one file out (fitted on the other files pooled, ${protocol} protocol, target precision ${target}; held-out figures replayed at the fitted point):\n`,
    );
    console.log(
      '| held-out file | fitted point | fit precision | store-all precision | store-all recall | store-all wrong-hit | pairwise precision | pairwise recall | pairwise wrong-hit |',
    );
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of leaveOneOut(files, protocol, (rows, fittedOn) => {
      log(`fitting without ${files.find((f) => !fittedOn.includes(f.label))?.label}`);
      return fit(rows, fittedOn);
    })) {
      const s = r.figures['store-all'];
      const p = r.figures.pairwise;
      console.log(
        `| \`${r.heldOut}\` | ${describe(r.calibration)} | ${f3(r.calibration.at.metrics.precision)} | ${f3(s.precision)} | ${f3(s.recall)} | ${f3(s.wrongHitRate)} | ${f3(p.precision)} | ${f3(p.recall)} | ${f3(p.wrongHitRate)} |`,
      );
    }
  }

  log('fitting on all files');
  const result = fit(
    files.flatMap((f) => f.rows[protocol]),
    files.map((f) => f.label),
  );
  console.log(
    `\nprecision/recall curve (${protocol} protocol, all files pooled; similarity floor ${result.point.minSimilarity}):`,
  );
  console.log(formatCurve(result.curve));
  const m = result.at.metrics;
  console.log(
    `\n${result.reachedTarget ? 'operating point' : `target precision ${target} not reached; most precise point at recall >= 0.1`}: ` +
      `${describe(result)} → precision ${f4(m.precision)}, recall ${f4(m.recall)}, wrong-hit rate ${f4(m.wrongHitRate)}`,
  );
  console.log(
    `\nper file (replayed) at the chosen point and at the current point of ${embedder.id}:\n`,
  );
  console.log(
    '| file | protocol | chosen precision | chosen recall | chosen wrong-hit | current precision | current recall | current wrong-hit |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of files) {
    const at = figuresAt(f, result);
    for (const proto of PROTOCOLS) {
      const a = at[proto];
      const c = replay(f.rows[proto], current);
      console.log(
        `| \`${f.label}\` | ${proto} | ${f3(a.precision)} | ${f3(a.recall)} | ${f3(a.wrongHitRate)} | ${f3(c.precision)} | ${f3(c.recall)} | ${f3(c.wrongHitRate)} |`,
      );
    }
  }
  console.log(
    '\noperating point (for OPERATING_POINTS in packages/core/src/guard/operating-points.ts):',
  );
  console.log(JSON.stringify(result.point, null, 2));
});
