import type { Calibration, CandidateRow } from './calibration.js';
import { replay } from './calibration.js';
import { PROTOCOLS, type Protocol } from './protocol.js';
import type { ProtocolMetrics } from './protocol-metrics.js';

/** One file's replayed candidates under each protocol. */
export interface CalibrationFile {
  /** The file's label. */
  label: string;
  /** Its candidate rows per protocol (`store-all`: the file is its own scope). */
  rows: Record<Protocol, CandidateRow[]>;
}

/** Fits an operating point on pooled rows (the files named in `fittedOn`). */
export type FitPoint = (rows: CandidateRow[], fittedOn: string[]) => Calibration;

/** An operating point fitted without one file, and that file's figures at it. */
export interface HeldOutResult {
  /** The file left out of the fit. */
  heldOut: string;
  /** The files the point was fitted on. */
  fittedOn: string[];
  /** The fit (its figures are on the pooled rows it was fitted on). */
  calibration: Calibration;
  /** The held-out file's figures at the fitted point, per protocol. */
  figures: Record<Protocol, ProtocolMetrics>;
}

/** Each file's figures at `calibration`'s point, per protocol. */
export function figuresAt(
  file: CalibrationFile,
  calibration: Calibration,
): Record<Protocol, ProtocolMetrics> {
  const out = {} as Record<Protocol, ProtocolMetrics>;
  for (const protocol of PROTOCOLS) out[protocol] = replay(file.rows[protocol], calibration.point);
  return out;
}

/**
 * Leave-one-file-out calibration: for each file, fits a point with `fit` on the other files'
 * rows of `protocol`, pooled, and scores the held-out file under both protocols at that point.
 * The held-out file's rows never reach `fit`. Needs at least two files.
 */
export function leaveOneOut(
  files: readonly CalibrationFile[],
  protocol: Protocol,
  fit: FitPoint,
): HeldOutResult[] {
  if (files.length < 2) {
    throw new RangeError('leave-one-out needs at least two files; pass more with --pairs.');
  }
  return files.map((heldOut) => {
    const others = files.filter((f) => f !== heldOut);
    const fittedOn = others.map((f) => f.label);
    const calibration = fit(
      others.flatMap((f) => f.rows[protocol]),
      fittedOn,
    );
    return {
      heldOut: heldOut.label,
      fittedOn,
      calibration,
      figures: figuresAt(heldOut, calibration),
    };
  });
}
