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
  /** L2 penalty on the (standardized) weights. Default 0.01. */
  l2?: number;
  /** Gradient steps. Default 2000. */
  iterations?: number;
  /** Step size. Default 0.5. */
  learningRate?: number;
}

/**
 * Fits a logistic regression by full-batch gradient descent on standardized features (so one
 * step size suits features of any scale), then maps the weights back to the raw features.
 * Deterministic: starts from zero weights.
 */
export function fitLogistic(examples: readonly Example[], options: FitOptions = {}): LogisticModel {
  const n = examples.length;
  if (n === 0) throw new RangeError('fitLogistic: no examples.');
  const d = (examples[0] as Example).x.length;
  const l2 = options.l2 ?? 0.01;
  const iterations = options.iterations ?? 2000;
  const rate = options.learningRate ?? 0.5;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const e of examples) for (let j = 0; j < d; j++) mean[j] += (e.x[j] as number) / n;
  for (const e of examples) {
    for (let j = 0; j < d; j++) sd[j] += ((e.x[j] as number) - (mean[j] as number)) ** 2 / n;
  }
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j] as number) || 1;
  const z = examples.map((e) => e.x.map((v, j) => (v - (mean[j] as number)) / (sd[j] as number)));
  const w = new Array<number>(d).fill(0);
  let b = 0;
  for (let it = 0; it < iterations; it++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const xi = z[i] as number[];
      let s = b;
      for (let j = 0; j < d; j++) s += (w[j] as number) * (xi[j] as number);
      const err = 1 / (1 + Math.exp(-s)) - (examples[i] as Example).y;
      gb += err / n;
      for (let j = 0; j < d; j++) gw[j] += (err * (xi[j] as number)) / n;
    }
    b -= rate * gb;
    for (let j = 0; j < d; j++) w[j] -= rate * ((gw[j] as number) + l2 * (w[j] as number));
  }
  const weights = w.map((wj, j) => wj / (sd[j] as number));
  const bias = b - weights.reduce((s, wj, j) => s + wj * (mean[j] as number), 0);
  return { bias, weights };
}
