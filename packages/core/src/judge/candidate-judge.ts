/**
 * The judge of one cache: asks its chat model about a pair of prompts under a timeout and a
 * budget, and remembers the verdicts it got.
 */
import { LRUCache } from 'lru-cache';
import { TimeoutError } from '../errors.js';
import { raceAbort, withTimeout } from '../with-timeout.js';
import { CallBudget } from './call-budget.js';
import type { JudgeBand, ResolvedJudgeOptions } from './judge-options.js';
import { judgeRequest, readJudgeAnswer } from './judge-prompt.js';

/** What asking the judge about one pair came to. */
export type JudgeAnswer =
  /** The judge said yes (`cached`: a remembered verdict, no call made). */
  | { kind: 'yes'; cached: boolean }
  /** The judge said no (`cached`: a remembered verdict, no call made). */
  | { kind: 'no'; cached: boolean }
  /** The budget was spent: no call made. */
  | { kind: 'budget' }
  /** The judge answered something other than yes or no (shortened). */
  | { kind: 'unparseable'; answer: string }
  /** The call failed or timed out. */
  | { kind: 'error'; error: unknown };

/** Bytes a remembered verdict costs besides its key's characters. */
const ENTRY_OVERHEAD_BYTES = 64;

/** A judge with its verdict memory and budget; one per cache. */
export class CandidateJudge {
  /** The resolved options. */
  readonly options: ResolvedJudgeOptions;
  /** `<model id>/<model name>`: part of every remembered verdict's key. */
  readonly modelKey: string;
  readonly #verdicts: LRUCache<string, boolean> | undefined;
  readonly #budget: CallBudget;

  /** `now`: the cache's clock, for the budget's window. */
  constructor(options: ResolvedJudgeOptions, now: () => number) {
    this.options = options;
    this.modelKey = `${options.model.id}/${options.modelName}`;
    this.#verdicts =
      options.cacheSize === 0
        ? undefined
        : new LRUCache<string, boolean>({
            max: options.cacheSize,
            maxSize: options.cacheBytes,
            // UTF-16 code units take two bytes; a pair over the whole budget is not remembered.
            sizeCalculation: (_verdict, key) => key.length * 2 + ENTRY_OVERHEAD_BYTES,
          });
    this.#budget = new CallBudget(options.maxCallsPerMinute, now);
  }

  /** The band of guard scores this judge decides. */
  get band(): JudgeBand {
    return this.options.band;
  }

  /**
   * Whether the answer stored for `cachedPrompt` answers `query`. Never throws but the abort
   * reason of `signal` (the request's), which also cancels the call.
   */
  async ask(
    query: string,
    cachedPrompt: string,
    signal: AbortSignal | undefined,
  ): Promise<JudgeAnswer> {
    const key = JSON.stringify([this.modelKey, query, cachedPrompt]);
    const remembered = this.#verdicts?.get(key);
    if (remembered !== undefined) return { kind: remembered ? 'yes' : 'no', cached: true };
    signal?.throwIfAborted();
    if (!this.#budget.take()) return { kind: 'budget' };
    const o = this.options;
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const callSignal = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    let content: unknown;
    try {
      const call = (async () =>
        o.model.complete(judgeRequest(query, cachedPrompt, o.modelName, o.maxTokens), {
          signal: callSignal,
        }))();
      const response = await raceAbort(
        withTimeout(call, o.timeoutMs, `judge ${this.modelKey}`),
        signal,
      );
      content = (response as { content?: unknown } | undefined)?.content;
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      return {
        kind: 'error',
        error: timeout.aborted ? new TimeoutError(`judge ${this.modelKey}`, o.timeoutMs) : error,
      };
    }
    const verdict = readJudgeAnswer(content);
    if (verdict === undefined) {
      const text = typeof content === 'string' ? content : String(content);
      return { kind: 'unparseable', answer: text.length > 40 ? `${text.slice(0, 39)}…` : text };
    }
    this.#verdicts?.set(key, verdict === 'yes');
    return { kind: verdict, cached: false };
  }
}
