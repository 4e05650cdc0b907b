import { readFile } from 'node:fs/promises';
import { InvalidRequestError } from '@cache/core';
import { type LabeledPair, parsePairs } from './pairs-csv.js';

/**
 * Parses a JSON array of `{ origin, similar }` objects (a sentence and a paraphrase of it, as in
 * GPTCache's benchmark data) into all-positive pairs: `origin` is stored, `similar` looked up.
 * Throws `InvalidRequestError` naming the element on anything else.
 */
export function parseParaphrasePairs(text: string, source = 'pairs'): LabeledPair[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new InvalidRequestError(
      `${source}: not valid JSON (${cause instanceof Error ? cause.message : String(cause)}).`,
      { cause },
    );
  }
  if (!Array.isArray(data) || data.length === 0) {
    throw new InvalidRequestError(
      `${source}: expected a non-empty JSON array of { "origin": ..., "similar": ... } objects.`,
    );
  }
  return data.map((item: unknown, i) => {
    const o = item as { origin?: unknown; similar?: unknown } | null;
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.origin !== 'string' ||
      typeof o.similar !== 'string' ||
      o.origin.trim() === '' ||
      o.similar.trim() === ''
    ) {
      throw new InvalidRequestError(
        `${source}: element ${i} is not an object with non-empty string fields "origin" and "similar".`,
      );
    }
    return { question1: o.origin, question2: o.similar, isDuplicate: true, line: i + 1 };
  });
}

/**
 * Reads labeled pairs from a file: `.json` files as `{ origin, similar }` paraphrase arrays
 * (see {@link parseParaphrasePairs}, `line` is the element's 1-based position), anything else
 * as a pairs CSV (see `parsePairs`).
 */
export async function readPairsFile(path: string): Promise<LabeledPair[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InvalidRequestError(
      `cannot read ${path} (${cause instanceof Error ? cause.message : String(cause)}); pass an existing CSV or JSON file with --pairs.`,
      { cause },
    );
  }
  return path.toLowerCase().endsWith('.json')
    ? parseParaphrasePairs(text, path)
    : parsePairs(text, path);
}
