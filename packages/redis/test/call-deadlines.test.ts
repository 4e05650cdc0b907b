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
