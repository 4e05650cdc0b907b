import { LRUCache } from 'lru-cache';
import { InvalidOptionError } from '../errors.js';
import type { GuardCandidate, GuardVerdict, HitGuard } from '../types.js';
import { type Conflict, findConflicts } from './conflicts.js';
import { type GuardFeatures, pairFeatures } from './features.js';
import {
  assertValidOperatingPoint,
  decisionScore,
  type OperatingPoint,
  operatingPointFor,
} from './operating-points.js';
import { analyzePrompt, type PromptAnalysis } from './prompt-analysis.js';

/** Options of {@link CalibratedGuard}. */
export interface CalibratedGuardOptions {
  /** Where the decision sits; see {@link operatingPointFor}. */
  operatingPoint: OperatingPoint;
  /**
   * Prompt analyses kept for reuse (stored prompts are judged again and again). Default 10,000.
   * Whatever the count, the prompts kept total at most 2 Mi characters.
   */
  analysisCacheSize?: number;
}

/** Everything the guard worked out about one candidate; `explain` returns it. */
export interface GuardExplanation extends GuardVerdict {
  /** Hard conflicts found (any one rejects). */
  conflicts: Conflict[];
  /** The soft signals the score was computed from. */
  features: GuardFeatures;
  /** The logistic score of the features. */
  score: number;
  /** True when a conflict or the similarity floor rejects it, whatever the score. */
  vetoed: boolean;
}

/**
 * Characters of prompt text whose analyses are kept, at most: an analysis takes 30-60 bytes a
 * character, so this bounds them to roughly 60-120 MB.
 */
const ANALYZED_CHARACTERS = 2 * 1024 * 1024;

const KNOWN_OPTIONS = new Set(['operatingPoint', 'analysisCacheSize']);

/**
 * The answer-quality guard: rejects a semantic candidate when the prompts conflict in what
 * decides the answer (numbers, names, negation, antonyms, direction, time), then takes a
 * calibrated decision on the similarity and the words the prompts do not share.
 */
export class CalibratedGuard implements HitGuard {
  /** `calibrated:<embedder id>@<threshold>`, for logs and reports. */
  readonly id: string;
  /** The operating point in use. */
  readonly operatingPoint: OperatingPoint;
  /** English: the analysis runs wink-nlp's English model (tags, lemmas, names). */
  readonly languages = ['en'] as const;
  readonly #analyses: LRUCache<string, PromptAnalysis>;
  /** The last analysis of a prompt too long for `#analyses`: its query is judged again per candidate. */
  #oversized: { text: string; analysis: PromptAnalysis } | undefined;

  /** Creates a guard at `options.operatingPoint`. */
  constructor(options: CalibratedGuardOptions) {
    for (const key of Object.keys(options)) {
      if (!KNOWN_OPTIONS.has(key)) {
        throw new InvalidOptionError(
          `CalibratedGuard: unknown option "${key}"; the known options are ${[...KNOWN_OPTIONS].join(', ')}.`,
        );
      }
    }
    assertValidOperatingPoint(options.operatingPoint);
    const size = options.analysisCacheSize ?? 10_000;
    if (!Number.isInteger(size) || size < 1) {
      throw new InvalidOptionError(
        `CalibratedGuard: analysisCacheSize must be a positive integer, got ${size}.`,
      );
    }
    this.operatingPoint = options.operatingPoint;
    this.id = `calibrated:${options.operatingPoint.embedderId}@${options.operatingPoint.threshold}`;
    this.#analyses = new LRUCache({
      max: size,
      // A run of huge prompts must not hold hundreds of megabytes. A prompt over the whole
      // budget is not kept here; `#oversized` holds the last such one.
      maxSize: ANALYZED_CHARACTERS,
      sizeCalculation: (_analysis, text) => text.length + 1,
    });
  }

  /** Accepts `candidate` for `query` when nothing conflicts and the calibrated score is high enough. */
  judge(query: string, candidate: GuardCandidate): GuardVerdict {
    const { accept, reasons, score, vetoed } = this.explain(query, candidate);
    return { accept, reasons, score, vetoed };
  }

  /** Analyzes `prompt` now (while its embedding is computed), so `judge` finds it done. */
  prepare(prompt: string): void {
    this.#analyze(prompt);
  }

  /** Like `judge`, with the conflicts and features behind the decision. */
  explain(query: string, candidate: GuardCandidate): GuardExplanation {
    const a = this.#analyze(query);
    const b = this.#analyze(candidate.prompt);
    const conflicts = findConflicts(a, b);
    const features = pairFeatures(a, b, candidate.similarity);
    const point = this.operatingPoint;
    const score = decisionScore(point.weights, features);
    const reasons = conflicts.map((c) => `${c.kind}: ${c.detail}`);
    const vetoed = conflicts.length > 0 || candidate.similarity < point.minSimilarity;
    if (candidate.similarity < point.minSimilarity) {
      reasons.push(
        `similarity: ${candidate.similarity.toFixed(3)} < ${point.minSimilarity} (operating point of ${point.embedderId})`,
      );
    }
    if (score < point.threshold) {
      reasons.push(`score: ${score.toFixed(3)} < ${point.threshold}`);
    }
    return { accept: reasons.length === 0, reasons, score, vetoed, conflicts, features };
  }

  #analyze(text: string): PromptAnalysis {
    if (text.length >= ANALYZED_CHARACTERS) {
      if (this.#oversized?.text !== text) this.#oversized = { text, analysis: analyzePrompt(text) };
      return this.#oversized.analysis;
    }
    let analysis = this.#analyses.get(text);
    if (analysis === undefined) {
      analysis = analyzePrompt(text);
      this.#analyses.set(text, analysis);
    }
    return analysis;
  }
}

/**
 * The guard a cache uses when the caller gives none: hard conflict checks plus the calibrated
 * operating point of `embedderId` (a conservative default for embedders without one).
 * `minSimilarity` replaces the point's similarity floor (a cache passes its own explicit
 * `minSimilarity`, so the caller's threshold is the one that holds).
 */
export function createDefaultGuard(
  embedderId: string,
  overrides: { minSimilarity?: number } = {},
): CalibratedGuard {
  const point = operatingPointFor(embedderId);
  return new CalibratedGuard({
    operatingPoint:
      overrides.minSimilarity === undefined
        ? point
        : { ...point, minSimilarity: overrides.minSimilarity },
  });
}
