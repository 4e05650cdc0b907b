import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { InvalidRequestError } from '@cache/core';
import { parse } from 'csv-parse/sync';
import { bundledDataPath } from '../data-path.js';
import { workloadFromPairs, workloadFromPrompts } from './build.js';
import type { LabeledPair, Workload } from './types.js';

/** The bundled labeled sample used by `compare` when no workload is given. */
export const DEFAULT_COMPARE_WORKLOAD = 'qqp-pairs-sample.csv';
/** The bundled paraphrase sample replayed by the tour. */
export const DEFAULT_TOUR_WORKLOAD = 'paraphrase-pairs-sample.json';

const PROVENANCE: Record<string, string> = {
  [DEFAULT_COMPARE_WORKLOAD]:
    'Quora Question Pairs sample (300 rows, apps/demo/data) via MeanCache dataset_public/test.csv @28f3533a',
  [DEFAULT_TOUR_WORKLOAD]:
    'GPTCache examples/benchmark/mock_data.json @c59fb3a6 sample (150 pairs, apps/demo/data)',
};

/** Loads one of the workloads bundled in `apps/demo/data`. */
export async function loadBundledWorkload(name: string): Promise<Workload> {
  const workload = await loadWorkload(bundledDataPath(name));
  return { ...workload, source: PROVENANCE[name] ?? workload.source };
}

/**
 * Loads a workload file. Accepted shapes:
 * - CSV with a header `question1,question2,is_duplicate` (labeled pairs);
 * - JSON `[{origin, similar}]` (all-positive paraphrase pairs);
 * - JSON `[{question1, question2, is_duplicate}]` (labeled pairs);
 * - JSON `["prompt", ...]` or `{requests: [{prompt}]}` (unlabeled prompts, replayed in order).
 */
export async function loadWorkload(file: string): Promise<Workload> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new InvalidRequestError(`cannot read workload ${file}: check the path.`, { cause });
  }
  const name = basename(file, extname(file));
  if (extname(file).toLowerCase() === '.csv') {
    return workloadFromPairs(pairsFromCsv(text, file), { name, source: file });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new InvalidRequestError(`workload ${file} is neither CSV (by extension) nor JSON.`, {
      cause,
    });
  }
  return fromJson(data, name, file);
}

function pairsFromCsv(text: string, file: string): LabeledPair[] {
  const rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<
    string,
    string
  >[];
  const first = rows[0];
  if (!first || !('question1' in first) || !('question2' in first) || !('is_duplicate' in first)) {
    throw new InvalidRequestError(
      `workload ${file}: a CSV workload needs the header question1,question2,is_duplicate.`,
    );
  }
  return rows
    .map((row) => pair(row.question1, row.question2, row.is_duplicate === '1'))
    .filter(usable);
}

function fromJson(data: unknown, name: string, file: string): Workload {
  const list = Array.isArray(data) ? data : (data as { requests?: unknown })?.requests;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidRequestError(
      `workload ${file}: expected a non-empty JSON array (pairs or prompts) or {"requests": [...]}.`,
    );
  }
  const item = list[0] as Record<string, unknown>;
  if (typeof item === 'object' && item !== null && 'origin' in item && 'similar' in item) {
    const pairs = (list as { origin: string; similar: string }[]).map((p) =>
      pair(p.origin, p.similar, true),
    );
    return workloadFromPairs(pairs.filter(usable), { name, source: file });
  }
  if (typeof item === 'object' && item !== null && 'question1' in item) {
    const pairs = (list as Record<string, unknown>[]).map((p) =>
      pair(
        String(p.question1),
        String(p.question2),
        String(p.is_duplicate) === '1' || p.is_duplicate === true,
      ),
    );
    return workloadFromPairs(pairs.filter(usable), { name, source: file });
  }
  const prompts = list
    .map((entry) => (typeof entry === 'string' ? entry : (entry as { prompt?: unknown })?.prompt))
    .filter((prompt): prompt is string => typeof prompt === 'string' && prompt.trim() !== '');
  if (prompts.length === 0) {
    throw new InvalidRequestError(
      `workload ${file}: no prompts found (strings or {"prompt": "..."}).`,
    );
  }
  return workloadFromPrompts(prompts, name, file);
}

function pair(
  first: string | undefined,
  second: string | undefined,
  duplicate: boolean,
): LabeledPair {
  return { first: (first ?? '').trim(), second: (second ?? '').trim(), duplicate };
}

function usable(p: LabeledPair): boolean {
  return p.first !== '' && p.second !== '';
}
