// Quick recall/latency sanity check on planted near-duplicates (not a test; the real benchmark
// lives in apps/bench). Usage: node scripts/sanity.mjs [N=100000] [D=512] [Q=1000] [options JSON]
import { LshVectorStore } from '../dist/index.js';

const N = Number(process.argv[2] ?? 100_000);
const D = Number(process.argv[3] ?? 512);
const Q = Number(process.argv[4] ?? 1000);
const extra = JSON.parse(process.argv[5] ?? '{}');
const MIN = 0.85;
const K = 5;

let s = 12345;
const rand = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const unit = () => {
  const v = new Float32Array(D);
  let n = 0;
  for (let i = 0; i < D; i++) {
    v[i] = gauss();
    n += v[i] * v[i];
  }
  n = Math.sqrt(n);
  for (let i = 0; i < D; i++) v[i] /= n;
  return v;
};
const atCos = (b, c) => {
  const u = unit();
  let d = 0;
  for (let i = 0; i < D; i++) d += u[i] * b[i];
  let n = 0;
  for (let i = 0; i < D; i++) {
    u[i] -= d * b[i];
    n += u[i] * u[i];
  }
  n = Math.sqrt(n);
  const sn = Math.sqrt(1 - c * c);
  const out = new Float32Array(D);
  for (let i = 0; i < D; i++) out[i] = c * b[i] + (sn * u[i]) / n;
  return out;
};

const data = new Float32Array(N * D);
const queries = [];
let filled = 0;
for (let q = 0; q < Q; q++) {
  const query = unit();
  queries.push(query);
  const m = 1 + (q % 3);
  for (let j = 0; j < m; j++) data.set(atCos(query, 0.86 + rand() * 0.12), D * filled++);
}
while (filled < N) data.set(unit(), D * filled++);

const store = new LshVectorStore({ dimension: D, initialCapacity: N, maxEntries: N, ...extra });
let t0 = performance.now();
for (let i = 0; i < N; i += 1000) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + 1000); j++) {
    batch.push({ key: `s:${j}`, scope: 's', vector: data.subarray(j * D, (j + 1) * D) });
  }
  await store.upsert(batch);
}
const buildMs = performance.now() - t0;

function brute(q) {
  const out = [];
  for (let j = 0; j < N; j++) {
    const o = j * D;
    let a = 0,
      b = 0,
      c = 0,
      d = 0,
      i = 0;
    for (; i < D; i += 4) {
      a += q[i] * data[o + i];
      b += q[i + 1] * data[o + i + 1];
      c += q[i + 2] * data[o + i + 2];
      d += q[i + 3] * data[o + i + 3];
    }
    const sim = a + b + c + d;
    if (sim >= MIN) out.push([j, sim]);
  }
  return out.sort((x, y) => y[1] - x[1]).slice(0, K);
}

const lat = [];
const bruteLat = [];
const results = [];
let want = 0,
  got = 0,
  cand = 0,
  ver = 0;
for (let r = 0; r < 2; r++) {
  for (let qi = 0; qi < Q; qi++) {
    const q = queries[qi];
    t0 = performance.now();
    const res = await store.search(q, { scope: 's', k: K, minSimilarity: MIN });
    const dt = performance.now() - t0;
    if (r === 0) continue; // warm-up round
    lat.push(dt * 1000);
    results.push(res);
    cand += store.lastSearch.candidates;
    ver += store.lastSearch.verified;
  }
}
for (let qi = 0; qi < Math.min(Q, 200); qi++) {
  t0 = performance.now();
  const ref = brute(queries[qi]);
  bruteLat.push((performance.now() - t0) * 1000);
  const keys = new Set(results[qi].map((m) => m.key));
  want += ref.length;
  got += ref.filter(([j]) => keys.has(`s:${j}`)).length;
}
// Contention-robust view: each query's fastest of 5 runs.
const minLat = [];
for (let qi = 0; qi < Q; qi++) {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t1 = performance.now();
    await store.search(queries[qi], { scope: 's', k: K, minSimilarity: MIN });
    best = Math.min(best, performance.now() - t1);
  }
  minLat.push(best * 1000);
}
const pct = (a, p) =>
  [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
const mem = store.memory();
console.log(
  'slowest',
  [...lat]
    .sort((a, b) => b - a)
    .slice(0, 12)
    .map(Math.round)
    .join(' '),
);
console.log(
  JSON.stringify({
    N,
    D,
    options: store.settings.planes + 'x' + store.settings.tables + 'x' + store.settings.probes,
    buildMs: Math.round(buildMs),
    recall: +(got / want).toFixed(4),
    refMatches: want,
    p50Us: Math.round(pct(lat, 0.5)),
    p99Us: Math.round(pct(lat, 0.99)),
    minOf5P50Us: Math.round(pct(minLat, 0.5)),
    minOf5P99Us: Math.round(pct(minLat, 0.99)),
    bruteP50Us: Math.round(pct(bruteLat, 0.5)),
    bruteP99Us: Math.round(pct(bruteLat, 0.99)),
    avgCandidates: Math.round(cand / Q),
    avgVerified: +(ver / Q).toFixed(1),
    bytesPerEntry: Math.round(mem.bytesPerEntry),
    indexBytesPerEntry: Math.round(mem.indexBytesPerEntry),
  }),
);
