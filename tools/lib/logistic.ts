/**
 * Logistic regression as scikit-learn's LogisticRegression (lbfgs): minimises the mean log-loss plus
 * ||W||² / (2·C·n) (the intercept is not penalised) with L-BFGS. Two classes: one weight vector and a
 * sigmoid; more: one vector per class and a softmax (multinomial). Stops when the largest gradient entry is
 * below `tol` or after `maxIter` iterations.
 */

export interface LogisticModel {
  kind: 'pw-logistic/1';
  /** Per output (1 for two classes, else one per class): weights, then the intercept last. */
  coef: number[][];
}

export interface LogisticOptions {
  nClasses: number;
  C: number;
  maxIter: number;
  tol?: number;
}

export function fitLogistic(x: readonly number[][], y: ArrayLike<number>, o: LogisticOptions): LogisticModel {
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const outputs = o.nClasses <= 2 ? 1 : o.nClasses;
  const width = d + 1;
  const size = outputs * width;
  const l2 = 1 / (o.C * n);
  const z = new Float64Array(outputs);

  /** Objective and gradient at w (flat: output-major, intercept last in each block). */
  const evaluate = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = x[i] as number[];
      for (let c = 0; c < outputs; c++) {
        let s = w[c * width + d] as number;
        for (let j = 0; j < d; j++) s += (w[c * width + j] as number) * (row[j] as number);
        z[c] = s;
      }
      const yi = y[i] as number;
      if (outputs === 1) {
        const t = (z[0] as number) * (yi === 1 ? 1 : -1);
        // log(1 + e^-t), stably.
        loss += t > 0 ? Math.log1p(Math.exp(-t)) : -t + Math.log1p(Math.exp(t));
        const p = 1 / (1 + Math.exp(-(z[0] as number)));
        const r = (p - (yi === 1 ? 1 : 0)) / n;
        for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + r * (row[j] as number);
        grad[d] = (grad[d] as number) + r;
      } else {
        let m = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < outputs; c++) m = Math.max(m, z[c] as number);
        let sum = 0;
        for (let c = 0; c < outputs; c++) sum += Math.exp((z[c] as number) - m);
        loss += m + Math.log(sum) - (z[yi] as number);
        for (let c = 0; c < outputs; c++) {
          const r = (Math.exp((z[c] as number) - m) / sum - (c === yi ? 1 : 0)) / n;
          const base = c * width;
          for (let j = 0; j < d; j++) grad[base + j] = (grad[base + j] as number) + r * (row[j] as number);
          grad[base + d] = (grad[base + d] as number) + r;
        }
      }
    }
    loss /= n;
    for (let c = 0; c < outputs; c++) {
      for (let j = 0; j < d; j++) {
        const k = c * width + j;
        loss += 0.5 * l2 * (w[k] as number) ** 2;
        grad[k] = (grad[k] as number) + l2 * (w[k] as number);
      }
    }
    return loss;
  };

  const w = new Float64Array(size);
  minimizeLbfgs(evaluate, w, { maxIter: o.maxIter, tol: o.tol ?? 1e-4 });
  return {
    kind: 'pw-logistic/1',
    coef: Array.from({ length: outputs }, (_, c) => Array.from(w.subarray(c * width, (c + 1) * width))),
  };
}

export function logisticProba(m: LogisticModel, row: readonly number[]): number[] {
  const z = m.coef.map((c) => {
    const d = c.length - 1;
    let s = c[d] as number;
    for (let j = 0; j < d; j++) s += (c[j] as number) * ((row[j] as number) ?? 0);
    return s;
  });
  if (z.length === 1) {
    const p = 1 / (1 + Math.exp(-(z[0] as number)));
    return [1 - p, p];
  }
  const mx = Math.max(...z);
  const e = z.map((v) => Math.exp(v - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * L-BFGS (ten correction pairs) with a backtracking line search on the Armijo condition. `w` is the
 * starting point and receives the minimiser.
 */
export function minimizeLbfgs(
  f: (w: Float64Array, grad: Float64Array) => number,
  w: Float64Array,
  o: { maxIter: number; tol: number; memory?: number },
): void {
  const size = w.length;
  const memory = o.memory ?? 10;
  const s: Float64Array[] = [];
  const yv: Float64Array[] = [];
  const rho: number[] = [];
  let g = new Float64Array(size);
  let fx = f(w, g);
  const dir = new Float64Array(size);
  const alpha = new Array<number>(memory).fill(0);
  const wNew = new Float64Array(size);
  let gNew = new Float64Array(size);
  const maxAbs = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  for (let it = 0; it < o.maxIter && maxAbs(g) > o.tol; it++) {
    // Two-loop recursion: dir = -H·g.
    for (let k = 0; k < size; k++) dir[k] = -(g[k] as number);
    for (let q = s.length - 1; q >= 0; q--) {
      let a = 0;
      for (let k = 0; k < size; k++) a += ((s[q] as Float64Array)[k] as number) * (dir[k] as number);
      a *= rho[q] as number;
      alpha[q] = a;
      for (let k = 0; k < size; k++) dir[k] = (dir[k] as number) - a * ((yv[q] as Float64Array)[k] as number);
    }
    if (s.length) {
      const last = s.length - 1;
      let sy = 0;
      let yy = 0;
      for (let k = 0; k < size; k++) {
        sy += ((s[last] as Float64Array)[k] as number) * ((yv[last] as Float64Array)[k] as number);
        yy += ((yv[last] as Float64Array)[k] as number) ** 2;
      }
      const gamma = sy / yy;
      for (let k = 0; k < size; k++) dir[k] = (dir[k] as number) * gamma;
    }
    for (let q = 0; q < s.length; q++) {
      let b = 0;
      for (let k = 0; k < size; k++) b += ((yv[q] as Float64Array)[k] as number) * (dir[k] as number);
      b *= rho[q] as number;
      for (let k = 0; k < size; k++)
        dir[k] = (dir[k] as number) + ((s[q] as Float64Array)[k] as number) * ((alpha[q] as number) - b);
    }
    let slope = 0;
    for (let k = 0; k < size; k++) slope += (dir[k] as number) * (g[k] as number);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      for (let k = 0; k < size; k++) dir[k] = -(g[k] as number);
      slope = -g.reduce((a, x) => a + x * x, 0);
      s.length = 0;
      yv.length = 0;
      rho.length = 0;
    }
    let step = it === 0 && s.length === 0 ? Math.min(1, 1 / Math.max(maxAbs(g), 1e-12)) : 1;
    let fNew = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let k = 0; k < size; k++) wNew[k] = (w[k] as number) + step * (dir[k] as number);
      fNew = f(wNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx) && Math.abs(fNew - fx) > 1e-15 * Math.max(1, Math.abs(fx))) break; // no progress
    const sk = new Float64Array(size);
    const yk = new Float64Array(size);
    let sy = 0;
    for (let k = 0; k < size; k++) {
      sk[k] = (wNew[k] as number) - (w[k] as number);
      yk[k] = (gNew[k] as number) - (g[k] as number);
      sy += (sk[k] as number) * (yk[k] as number);
    }
    w.set(wNew);
    const prevG = g;
    g = gNew;
    gNew = prevG;
    const improved = fx - fNew;
    fx = fNew;
    if (sy > 1e-12) {
      s.push(sk);
      yv.push(yk);
      rho.push(1 / sy);
      if (s.length > memory) {
        s.shift();
        yv.shift();
        rho.shift();
      }
    }
    if (improved <= 1e-12 * Math.max(1, Math.abs(fx))) break;
  }
}
