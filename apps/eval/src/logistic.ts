import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** One training example: features and a 0/1 label. */
export interface Example {
  /** Feature values. */
  x: readonly number[];
  /** 1 for a duplicate, 0 otherwise. */
  y: 0 | 1;
}

/** A fitted logistic model: `sigmoid(bias + Σ weights[i] × x[i])`. */
export interface LogisticModel {
  /** Constant term. */
  bias: number;
  /** One weight per feature. */
  weights: number[];
}

/** Options of {@link fitLogistic}. */
export interface FitOptions {
  /** L2 penalty on the (standardized) weights, not the bias. Default 0.01. */
  l2?: number;
  /** Most Newton steps. Default 100 (it converges in about ten). */
  iterations?: number;
}

/**
 * Fits a logistic regression on standardized features (so the penalty treats features of any
 * scale alike) by Newton's method, minimizing the mean log loss plus `l2 / 2 × |w|²`, then maps
 * the weights back to the raw features. The objective is strictly convex, so the minimum is
 * unique; each step is halved until the objective falls. Deterministic: starts from zero
 * weights. One step costs O(n × d²) for n examples of d features.
 */
export function fitLogistic(examples: readonly Example[], options: FitOptions = {}): LogisticModel {
  const n = examples.length;
  if (n === 0) throw new RangeError('fitLogistic: no examples.');
  const d = (examples[0] as Example).x.length;
  const l2 = options.l2 ?? 0.01;
  const iterations = options.iterations ?? 100;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const e of examples) for (let j = 0; j < d; j++) mean[j] += (e.x[j] as number) / n;
  for (const e of examples) {
    for (let j = 0; j < d; j++) sd[j] += ((e.x[j] as number) - (mean[j] as number)) ** 2 / n;
  }
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j] as number) || 1;
  // Rows of [1, standardized features]: parameter 0 is the bias.
  const m = d + 1;
  const z = examples.map((e) => [
    1,
    ...e.x.map((v, j) => (v - (mean[j] as number)) / (sd[j] as number)),
  ]);
  const y = examples.map((e) => e.y);
  const objective = (theta: readonly number[]): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const s = dot(theta, z[i] as number[]);
      // log(1 + e^s) − y·s, computed without overflow.
      loss +=
        (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - (y[i] as number) * s;
    }
    let penalty = 0;
    for (let j = 1; j < m; j++) penalty += (theta[j] as number) ** 2;
    return loss / n + (l2 / 2) * penalty;
  };
  let theta = new Array<number>(m).fill(0);
  let current = objective(theta);
  for (let it = 0; it < iterations; it++) {
    const gradient = new Array<number>(m).fill(0);
    const hessian = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let i = 0; i < n; i++) {
      const zi = z[i] as number[];
      const p = 1 / (1 + Math.exp(-dot(theta, zi)));
      const err = (p - (y[i] as number)) / n;
      const w = (p * (1 - p)) / n;
      for (let a = 0; a < m; a++) {
        gradient[a] += err * (zi[a] as number);
        const row = hessian[a] as number[];
        for (let b = 0; b <= a; b++) row[b] += w * (zi[a] as number) * (zi[b] as number);
      }
    }
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < a; b++)
        (hessian[b] as number[])[a] = (hessian[a] as number[])[b] as number;
      if (a > 0) {
        gradient[a] += l2 * (theta[a] as number);
        (hessian[a] as number[])[a] += l2;
      }
    }
    // A tiny ridge keeps the bias row solvable when every label is the same.
    (hessian[0] as number[])[0] += 1e-12;
    const step = new CholeskyDecomposition(new Matrix(hessian))
      .solve(Matrix.columnVector(gradient))
      .to1DArray();
    let scale = 1;
    let next = theta;
    let value = current;
    for (let halvings = 0; halvings < 30; halvings++, scale /= 2) {
      next = theta.map((t, j) => t - scale * (step[j] as number));
      value = objective(next);
      if (value <= current) break;
    }
    if (!(value <= current)) break;
    const moved = Math.max(...next.map((t, j) => Math.abs(t - (theta[j] as number))));
    theta = next;
    current = value;
    if (moved < 1e-10) break;
  }
  const weights = theta.slice(1).map((wj, j) => wj / (sd[j] as number));
  const bias = (theta[0] as number) - weights.reduce((s, wj, j) => s + wj * (mean[j] as number), 0);
  return { bias, weights };
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] as number) * (b[j] as number);
  return s;
}
