import type { CalibratedGuard, Embedder } from '@cache/core';
import { buildCandidateRows, type CandidateRow } from './calibration.js';
import { embedTexts } from './embed-texts.js';
import { embeddedForm } from './embedder-choice.js';
import type { LabeledPair } from './pairs-csv.js';
import { readPairsFile } from './pairs-file.js';
import type { Protocol } from './protocol.js';
import { type SplitName, selectSplit } from './split.js';
import type { SuiteFile } from './suite.js';

/** One file's pairs, ready for both the cache run and the replayed candidates. */
export interface LoadedFile extends SuiteFile {
  /** The rows of the chosen split, as written in the file (the cache run sends these). */
  pairs: LabeledPair[];
  /**
   * The same rows with both questions in the form the cache embeds and judges (normalized), so
   * the replayed candidates see what the cache sees.
   */
  normalized: LabeledPair[];
}

/** Reads every file and keeps the rows of `split`; throws when a file has none there. */
export async function loadFiles(
  files: readonly SuiteFile[],
  split: SplitName,
): Promise<LoadedFile[]> {
  const out: LoadedFile[] = [];
  for (const f of files) {
    const pairs = selectSplit(await readPairsFile(f.path), split);
    if (pairs.length === 0) throw new RangeError(`${f.label}: no rows in the ${split} split.`);
    const normalized = pairs.map((p) => ({
      ...p,
      question1: embeddedForm(p.question1),
      question2: embeddedForm(p.question2),
    }));
    out.push({ ...f, pairs, normalized });
  }
  return out;
}

/** Embeds every question of `files` (normalized) once, reusing and extending `cacheFile`. */
export function embedFiles(
  embedder: Embedder,
  files: readonly LoadedFile[],
  cacheFile: string | undefined,
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, Float32Array>> {
  const texts = files.flatMap((f) => f.normalized.flatMap((p) => [p.question1, p.question2]));
  return embedTexts(embedder, texts, {
    ...(cacheFile === undefined ? {} : { cacheFile }),
    ...(onProgress === undefined ? {} : { onProgress }),
  });
}

/** The replayed candidates of one file under `protocol` (see `buildCandidateRows`). */
export function candidateRowsOf(
  file: LoadedFile,
  vectors: ReadonlyMap<string, Float32Array>,
  guard: CalibratedGuard,
  protocol: Protocol,
): CandidateRow[] {
  return buildCandidateRows(file.normalized, vectors, guard, { protocol });
}
