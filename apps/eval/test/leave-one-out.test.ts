import { describe, expect, it } from 'vitest';
import { type CandidateRow, calibrate, replay } from '../src/calibration.js';
import { type CalibrationFile, leaveOneOut } from '../src/leave-one-out.js';
import { BY_SIMILARITY, features } from './candidate-fixtures.js';

function row(isDuplicate: boolean, similarity: number): CandidateRow {
  return {
    isDuplicate,
    exact: false,
    exactIsOwn: false,
    candidates: [{ isOwn: true, conflicts: 0, features: features(similarity) }],
  };
}

/** A file whose duplicates sit at `dup` and non-duplicates at `non` similarity. */
function file(label: string, dup: number, non: number): CalibrationFile {
  const rows = (shift: number) =>
    Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? row(true, dup + shift) : row(false, non + shift),
    );
  return { label, rows: { 'store-all': rows(0), pairwise: rows(0.001) } };
}

describe('leaveOneOut', () => {
  const files = [file('a.csv', 0.95, 0.8), file('b.csv', 0.93, 0.85), file('c.csv', 0.96, 0.94)];

  it('never fits on the held-out file, and scores it at the point fitted on the others', () => {
    for (const protocol of ['store-all', 'pairwise'] as const) {
      const given: { rows: CandidateRow[]; fittedOn: string[] }[] = [];
      const results = leaveOneOut(files, protocol, (rows, fittedOn) => {
        given.push({ rows, fittedOn });
        return calibrate(rows, {
          embedderId: 'test',
          targetPrecision: 0.99,
          weights: BY_SIMILARITY,
          floors: [0.5],
        });
      });
      expect(results.map((r) => r.heldOut)).toEqual(['a.csv', 'b.csv', 'c.csv']);
      files.forEach((heldOut, i) => {
        const call = given[i] as { rows: CandidateRow[]; fittedOn: string[] };
        const others = files.filter((f) => f !== heldOut);
        expect(call.fittedOn).toEqual(others.map((f) => f.label));
        // Exactly the other files' rows of the fitted protocol, none of the held-out file's.
        const expected = others.flatMap((f) => f.rows[protocol]);
        expect(call.rows).toHaveLength(expected.length);
        call.rows.forEach((r, j) => {
          expect(r).toBe(expected[j]);
        });
        for (const p of ['store-all', 'pairwise'] as const) {
          for (const r of heldOut.rows[p]) expect(call.rows).not.toContain(r);
        }
        const result = results[i];
        expect(result?.fittedOn).toEqual(call.fittedOn);
        for (const p of ['store-all', 'pairwise'] as const) {
          expect(result?.figures[p]).toEqual(
            replay(heldOut.rows[p], result?.calibration.point as never),
          );
        }
      });
    }
  });

  it('generalizes only as far as the other files allow', () => {
    // Without c.csv the point keeps similarity >= 0.93 (b's duplicates), which lets c's
    // non-duplicates at 0.94 through: held-out precision drops to a half.
    const fit = (rows: CandidateRow[]) =>
      calibrate(rows, {
        embedderId: 'test',
        targetPrecision: 0.99,
        weights: BY_SIMILARITY,
        floors: [0.5],
      });
    const [, , c] = leaveOneOut(files, 'store-all', fit);
    expect(c?.calibration.at.metrics.precision).toBe(1);
    expect(c?.figures['store-all'].precision).toBe(0.5);
  });

  it('needs two files', () => {
    expect(() =>
      leaveOneOut(files.slice(0, 1), 'pairwise', () => {
        throw new Error('not called');
      }),
    ).toThrow(/at least two files/);
  });
});
