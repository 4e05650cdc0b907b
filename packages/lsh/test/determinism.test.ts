import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, LshVectorStore, Xoshiro128 } from '../src/index.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/buckets.mjs', import.meta.url));

interface Printed {
  pid: number;
  out: Array<{ buckets: number[]; sketch: number[] }>;
}

async function inChild(options: object): Promise<Printed> {
  const { stdout } = await run(process.execPath, [script, JSON.stringify(options)]);
  return JSON.parse(stdout) as Printed;
}

describe('determinism', () => {
  it('xoshiro128** matches the reference output for state (1, 2, 3, 4)', () => {
    const rng = Xoshiro128.fromState(1, 2, 3, 4);
    const got = Array.from({ length: 6 }, () => rng.nextUint32());
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('the same seed gives the same sequence; another seed another one', () => {
    const a = new Xoshiro128(DEFAULT_SEED);
    const b = new Xoshiro128(DEFAULT_SEED);
    const c = new Xoshiro128(DEFAULT_SEED + 1);
    const sa = Array.from({ length: 16 }, () => a.nextUint32());
    expect(Array.from({ length: 16 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 16 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('two separate processes with the same seed put the same vectors in the same buckets', async () => {
    const options = { dimension: 96, seed: 1234, planes: 16, tables: 12 };
    const [first, second] = await Promise.all([inChild(options), inChild(options)]);
    expect(first.pid).not.toBe(second.pid);
    expect(first.pid).not.toBe(process.pid);
    expect(second.out).toEqual(first.out);
    expect(first.out).toHaveLength(8);
    for (const { buckets } of first.out) {
      expect(buckets).toHaveLength(12);
      for (const b of buckets) expect(b).toBeLessThan(2 ** 16);
    }
    // The in-process store agrees with both.
    const store = new LshVectorStore(options);
    const v = Float32Array.from({ length: 96 }, (_, i) => Math.sin((i + 1) * 0.7));
    expect(store.bucketsOf(v)).toEqual(first.out[0]?.buckets);
    // Different vectors spread over different buckets.
    const distinct = new Set(first.out.map((o) => o.buckets.join(',')));
    expect(distinct.size).toBe(8);
  }, 30_000);

  it('with the default seed, processes agree too; another seed moves the buckets', async () => {
    const [a, b, c] = await Promise.all([
      inChild({ dimension: 512 }),
      inChild({ dimension: 512 }),
      inChild({ dimension: 512, seed: 99 }),
    ]);
    expect(b.out).toEqual(a.out);
    expect(c.out.map((o) => o.sketch)).not.toEqual(a.out.map((o) => o.sketch));
  }, 30_000);
});
