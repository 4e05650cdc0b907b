import { describe, expect, it } from 'vitest';
import { CallDeadlines } from '../src/call-deadlines.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CallDeadlines', () => {
  it('expires the calls still pending at their deadline, and only those', async () => {
    const deadlines = new CallDeadlines(20);
    const expired: string[] = [];
    const a = deadlines.add(() => expired.push('a'));
    deadlines.add(() => expired.push('b'));
    const c = deadlines.add(() => expired.push('c'));
    deadlines.settle(a);
    deadlines.settle(c);
    await wait(80);
    expect(expired).toEqual(['b']);
  });

  it('re-arms for calls made after the earlier ones settled or expired', async () => {
    const deadlines = new CallDeadlines(20);
    const expired: string[] = [];
    const first = deadlines.add(() => expired.push('first'));
    deadlines.settle(first);
    await wait(10);
    deadlines.add(() => expired.push('second'));
    await wait(80);
    expect(expired).toEqual(['second']);
    deadlines.add(() => expired.push('third'));
    const fourth = deadlines.add(() => expired.push('fourth'));
    await wait(80);
    expect(expired).toEqual(['second', 'third', 'fourth']);
    expect(fourth.done).toBe(true);
  });

  it('never expires a call that settled, however many pass through', async () => {
    const deadlines = new CallDeadlines(20);
    let expired = 0;
    const calls = Array.from({ length: 5000 }, () => deadlines.add(() => expired++));
    for (let i = calls.length - 1; i >= 0; i--) deadlines.settle(calls[i] as (typeof calls)[0]);
    await wait(80);
    expect(expired).toBe(0);
  });
});

describe('CallDeadlines.run', () => {
  it('resolves like the call, and rejects with the mapped timeout error when it is late', async () => {
    const deadlines = new CallDeadlines(20);
    const map = (error: unknown) => new Error(`mapped: ${(error as Error).message}`);
    await expect(
      deadlines.run(
        async () => 7,
        () => new Error('late'),
        map,
      ),
    ).resolves.toBe(7);
    await expect(
      deadlines.run(
        () => new Promise(() => undefined),
        () => new Error('late'),
        map,
      ),
    ).rejects.toThrow('mapped: late');
    await expect(
      deadlines.run(
        () => Promise.reject(new Error('refused')),
        () => new Error('late'),
        map,
      ),
    ).rejects.toThrow('mapped: refused');
  });

  it('turns a synchronous throw into a rejection, and takes a plain value', async () => {
    const deadlines = new CallDeadlines(20);
    await expect(
      deadlines.run(
        () => {
          throw new Error('bad key');
        },
        () => new Error('late'),
      ),
    ).rejects.toThrow('bad key');
    const plain = (() => 5) as unknown as () => Promise<number>;
    await expect(deadlines.run(plain, () => new Error('late'))).resolves.toBe(5);
  });

  it('ignores an answer that arrives after the timeout', async () => {
    const deadlines = new CallDeadlines(10);
    let answer: (value: number) => void = () => undefined;
    const late = deadlines.run(
      () => new Promise<number>((resolve) => (answer = resolve)),
      () => new Error('late'),
    );
    await expect(late).rejects.toThrow('late');
    answer(1);
    await wait(5);
  });
});
