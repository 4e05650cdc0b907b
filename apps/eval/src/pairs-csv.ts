import { InvalidRequestError } from '@cache/core';
import { parse } from 'csv-parse/sync';

/** One labeled row: are `question1` and `question2` the same question? */
export interface LabeledPair {
  /** The question stored in the cache. */
  question1: string;
  /** The question looked up. */
  question2: string;
  /** True when both ask the same thing (the stored answer is right for `question2`). */
  isDuplicate: boolean;
  /** Optional `kind` column (e.g. `number`, `entity`), for per-kind reports. */
  kind?: string;
  /** 1-based line of the row's record in the file (header is record 1). */
  line: number;
}

const REQUIRED = ['question1', 'question2', 'is_duplicate'] as const;

/**
 * Parses CSV text (RFC 4180 quoting, header line required) with the columns
 * `question1,question2,is_duplicate` (and optionally `kind`; other columns are ignored).
 * Throws `InvalidRequestError` naming the line on a missing column, an empty question or a
 * label other than 0/1.
 */
export function parsePairs(text: string, source = 'pairs'): LabeledPair[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      trim: false,
    }) as Record<string, string>[];
  } catch (cause) {
    throw new InvalidRequestError(
      `${source}: not valid CSV (${cause instanceof Error ? cause.message : String(cause)}). Quote fields holding commas or quotes as RFC 4180 says.`,
      { cause },
    );
  }
  if (records.length === 0) {
    throw new InvalidRequestError(
      `${source}: no rows; expected a header line and at least one row.`,
    );
  }
  const header = Object.keys(records[0] as object);
  for (const column of REQUIRED) {
    if (!header.includes(column)) {
      throw new InvalidRequestError(
        `${source}: missing column "${column}"; the header must name question1,question2,is_duplicate.`,
      );
    }
  }
  return records.map((record, i) => {
    const line = i + 2;
    const question1 = record.question1 ?? '';
    const question2 = record.question2 ?? '';
    const label = (record.is_duplicate ?? '').trim();
    if (question1.trim() === '' || question2.trim() === '') {
      throw new InvalidRequestError(`${source}: record ${line} has an empty question.`);
    }
    if (label !== '0' && label !== '1') {
      throw new InvalidRequestError(
        `${source}: record ${line} has is_duplicate "${label}"; use 0 or 1.`,
      );
    }
    const pair: LabeledPair = { question1, question2, isDuplicate: label === '1', line };
    if (record.kind !== undefined && record.kind !== '') pair.kind = record.kind;
    return pair;
  });
}
