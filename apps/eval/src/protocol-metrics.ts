/** What happened when one row's question2 was looked up. */
export interface RowOutcome {
  /** The row's label. */
  isDuplicate: boolean;
  /** True when the cache answered (exact or semantic). */
  hit: boolean;
  /** True when the answer served was the one stored from this row's question1. */
  fromOwnQuestion: boolean;
}

/** The scores of the cache protocol in ../shared/eval/README.md. */
export interface ProtocolMetrics {
  /** Correct hits / all hits (1 when nothing hit). */
  precision: number;
  /** Correct hits / duplicate rows. */
  recall: number;
  /** Hits on non-duplicate rows / non-duplicate rows. */
  wrongHitRate: number;
  /** Hits / rows. */
  hitRate: number;
  /** Rows scored. */
  rows: number;
  /** Counts behind the rates. */
  counts: {
    hits: number;
    correctHits: number;
    duplicates: number;
    nonDuplicates: number;
    hitsOnNonDuplicates: number;
  };
}

/**
 * Scores outcomes: a hit on a duplicate row that returns that row's question1 entry is correct;
 * any other hit is wrong.
 */
export function scoreOutcomes(outcomes: readonly RowOutcome[]): ProtocolMetrics {
  let hits = 0;
  let correctHits = 0;
  let duplicates = 0;
  let hitsOnNonDuplicates = 0;
  for (const o of outcomes) {
    if (o.isDuplicate) duplicates++;
    if (!o.hit) continue;
    hits++;
    if (o.isDuplicate && o.fromOwnQuestion) correctHits++;
    if (!o.isDuplicate) hitsOnNonDuplicates++;
  }
  const nonDuplicates = outcomes.length - duplicates;
  return {
    precision: hits === 0 ? 1 : correctHits / hits,
    recall: duplicates === 0 ? 0 : correctHits / duplicates,
    wrongHitRate: nonDuplicates === 0 ? 0 : hitsOnNonDuplicates / nonDuplicates,
    hitRate: outcomes.length === 0 ? 0 : hits / outcomes.length,
    rows: outcomes.length,
    counts: { hits, correctHits, duplicates, nonDuplicates, hitsOnNonDuplicates },
  };
}
