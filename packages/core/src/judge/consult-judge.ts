/**
 * Where the judge meets a lookup: called with the guard's verdict on a candidate, it puts the
 * candidates of the uncertain band to the judge and returns the verdict that holds.
 */
import { performance } from 'node:perf_hooks';
import { absorb, type CacheContext, messageOf } from '../cache-context.js';
import type { Prepared } from '../prepared-request.js';
import type { CacheEntry, GuardVerdict } from '../types.js';
import type { JudgeAnswer } from './candidate-judge.js';

/**
 * The verdict on `entry` as a candidate for `p`, given the guard's. Without a judge, for a
 * candidate the guard vetoed (a hard conflict, the similarity floor) or gave no score, and for a
 * score outside the judge's band, that is the guard's verdict. Inside the band the judge decides:
 * `yes` accepts; `no`, a failure, an unreadable answer or a spent budget rejects, with a reason
 * `judge: no …`. Throws only the request's abort reason.
 */
export async function consultJudge(
  ctx: CacheContext,
  p: Prepared,
  entry: CacheEntry,
  verdict: GuardVerdict,
): Promise<GuardVerdict> {
  const judge = ctx.config.judge;
  const score = verdict.score;
  if (judge === undefined || verdict.vetoed !== false || typeof score !== 'number') return verdict;
  if (!(score >= judge.band.low && score < judge.band.high)) return verdict;
  const t = performance.now();
  let answer: JudgeAnswer;
  try {
    answer = await judge.ask(p.prompt, entry.prompt, p.options.signal);
  } finally {
    p.timings.judgeMs = (p.timings.judgeMs ?? 0) + (performance.now() - t);
  }
  const counters = ctx.counters;
  if (answer.kind === 'yes' || answer.kind === 'no') {
    if (answer.cached) counters.recordJudge('cacheHit');
    else counters.recordJudge('call');
  } else if (answer.kind === 'budget') {
    counters.recordJudge('budgetExhausted');
  } else {
    counters.recordJudge('call');
    counters.recordJudge('failure');
    if (answer.kind === 'error') absorb(ctx, answer.error, 'judge', p);
  }
  if (answer.kind === 'yes') {
    counters.recordJudge('accepted');
    return { accept: true, reasons: [], score, vetoed: false };
  }
  counters.recordJudge('rejected');
  const why = describeNo(answer, judge.options.maxCallsPerMinute);
  // The guard's own reasons (a score below its threshold) stay in front of the judge's.
  return { accept: false, reasons: [...verdict.reasons, why], score, vetoed: false };
}

function describeNo(answer: Exclude<JudgeAnswer, { kind: 'yes' }>, perMinute: number): string {
  if (answer.kind === 'no') return answer.cached ? 'judge: no (remembered)' : 'judge: no';
  if (answer.kind === 'budget') {
    return `judge: no (budget spent: ${perMinute} calls in the last minute)`;
  }
  if (answer.kind === 'unparseable') {
    return `judge: no (unreadable answer ${JSON.stringify(answer.answer)})`;
  }
  return `judge: no (failed: ${messageOf(answer.error)})`;
}
