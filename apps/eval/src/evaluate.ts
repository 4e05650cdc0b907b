import { CalibratedGuard, type Embedder, type OperatingPoint } from '@cache/core';
import { runCacheProtocol } from './cache-protocol.js';
import { precomputedEmbedder } from './embedder-choice.js';
import { candidateRowsOf, type LoadedFile } from './eval-inputs.js';
import { type PchrCurve, pchrCurve } from './pchr-curve.js';
import type { Protocol } from './protocol.js';
import type { ProtocolMetrics } from './protocol-metrics.js';

/** The figures of one file under one protocol. */
export interface FileEvaluation {
  /** The file's label. */
  file: string;
  /** The protocol run. */
  protocol: Protocol;
  /** Precision, recall, wrong-hit rate and hit rate of the real cache in its default configuration. */
  metrics: ProtocolMetrics;
  /** The P-CHR curve replayed at the operating point's floor and weights, with the point on it. */
  pchr: PchrCurve;
}

/** Options of {@link evaluateFiles}. */
export interface EvaluateOptions {
  /** Protocols to run, in order. */
  protocols: readonly Protocol[];
  /** The embedder (its id selects the cache's default operating point). */
  embedder: Embedder;
  /** Vectors computed ahead for the normalized questions (see `embedFiles`). */
  vectors: ReadonlyMap<string, Float32Array>;
  /** The operating point the curve is drawn for: the cache's default for the embedder. */
  point: OperatingPoint;
  /** Called before each file and protocol. */
  onStart?: (file: string, protocol: Protocol) => void;
}

/**
 * Runs each file under each protocol twice over: through a real `SemanticCache` (default
 * configuration, embeddings from `vectors`) for the table's figures, and replayed from the
 * candidates its search meets for the P-CHR curve.
 */
export async function evaluateFiles(
  files: readonly LoadedFile[],
  options: EvaluateOptions,
): Promise<FileEvaluation[]> {
  const embedder = precomputedEmbedder(options.embedder, options.vectors);
  const probe = new CalibratedGuard({ operatingPoint: options.point });
  const out: FileEvaluation[] = [];
  for (const file of files) {
    for (const protocol of options.protocols) {
      options.onStart?.(file.label, protocol);
      const metrics = await runCacheProtocol(file.pairs, { protocol, cacheOptions: { embedder } });
      const rows = candidateRowsOf(file, options.vectors, probe, protocol);
      out.push({ file: file.label, protocol, metrics, pchr: pchrCurve(rows, options.point) });
    }
  }
  return out;
}
