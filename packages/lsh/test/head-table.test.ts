import { TestRandom } from '@cache/conformance';
import { describe, expect, it } from 'vitest';
import { HeadTable } from '../src/head-table.js';

describe('HeadTable', () => {
  it('agrees with a Map through random inserts, updates and deletes (with growth)', () => {
    const rng = new TestRandom(42);
    const table = new HeadTable(4);
    const reference = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      // A small key space forces collisions, long probe runs and backward shifts.
      const key = Math.floor(rng.next() * 3000) * 0x10001 + (step % 2 === 0 ? 0x80000000 : 0);
      const unsigned = key >>> 0;
      if (rng.next() < 0.4) {
        table.set(unsigned, -1);
        reference.delete(unsigned);
      } else {
        const head = Math.floor(rng.next() * 1e6);
        table.set(unsigned, head);
        reference.set(unsigned, head);
      }
      if (step % 997 === 0) {
        for (const [k, v] of reference) expect(table.get(k)).toBe(v);
      }
    }
    expect(table.size).toBe(reference.size);
    for (const [k, v] of reference) expect(table.get(k)).toBe(v);
    expect(table.get(0x7fffffff)).toBe(reference.get(0x7fffffff) ?? -1);
    table.clear();
    expect(table.size).toBe(0);
    for (const k of reference.keys()) expect(table.get(k)).toBe(-1);
  });
});
