import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

/** One Quora question pair. */
export interface QuestionPair {
  /** First question (the one a cache stores). */
  question1: string;
  /** Second question (the one a cache looks up). */
  question2: string;
  /** True when the two ask the same thing. */
  duplicate: boolean;
}

/** A sentence and a paraphrase of it. */
export interface ParaphrasePair {
  /** The original sentence. */
  origin: string;
  /** A paraphrase of it. */
  similar: string;
}

/** The labeled evaluation data of /work/shared/eval (see its README for provenance). */
export interface EvalData {
  /** `qqp-pairs.csv`: balanced duplicate / non-duplicate Quora pairs. */
  questionPairs: QuestionPair[];
  /** `paraphrase-pairs.json`: positives only. */
  paraphrasePairs: ParaphrasePair[];
}

/** Default location of the evaluation data; `--eval-dir` or `BENCH_EVAL_DIR` override it. */
export const DEFAULT_EVAL_DIR = '/work/shared/eval';

/** Reads both evaluation files from `dir`, dropping rows with a blank text. */
export function loadEvalData(dir: string): EvalData {
  const rows = parse(readFileSync(join(dir, 'qqp-pairs.csv'), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  const questionPairs = rows
    .map((row) => ({
      question1: (row.question1 ?? '').trim(),
      question2: (row.question2 ?? '').trim(),
      duplicate: row.is_duplicate === '1',
    }))
    .filter((p) => p.question1 !== '' && p.question2 !== '');
  const paraphrasePairs = (
    JSON.parse(readFileSync(join(dir, 'paraphrase-pairs.json'), 'utf8')) as ParaphrasePair[]
  )
    .map((p) => ({ origin: String(p.origin).trim(), similar: String(p.similar).trim() }))
    .filter((p) => p.origin !== '' && p.similar !== '');
  return { questionPairs, paraphrasePairs };
}

/** `texts` without repeats, in first-seen order. */
export function unique(texts: Iterable<string>): string[] {
  return [...new Set(texts)];
}
