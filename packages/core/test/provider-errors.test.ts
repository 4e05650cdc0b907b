import { describe, expect, it } from 'vitest';
import {
  EmbedderError,
  InvalidRequestError,
  ModelError,
  providerCallError,
  RetryAfterTooLongError,
} from '../src/index.js';

class RateLimited extends Error {}
const describeFailure = (error: unknown) =>
  error instanceof RateLimited ? { message: 'slow down, then retry.', retryable: true } : undefined;

describe('providerCallError', () => {
  it('words known failures, prefixed by the adapter, as the kind of error asked for', () => {
    const e = providerCallError(new RateLimited('429'), 'embedder', 'X(m)', describeFailure);
    expect(e).toBeInstanceOf(EmbedderError);
    expect((e as EmbedderError).message).toContain('X(m): slow down, then retry.');
    expect((e as EmbedderError).retryable).toBe(true);
    const m = providerCallError(new RateLimited('429'), 'model', 'X(m)', describeFailure);
    expect(m).toBeInstanceOf(ModelError);
  });

  it('keeps the message of an unknown failure, not retryable', () => {
    const e = providerCallError(new Error('odd'), 'model', 'X', describeFailure) as ModelError;
    expect(e.message).toContain('X: odd');
    expect(e.retryable).toBe(false);
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('a retry-after too long is retryable later; typed errors pass; an abort gives its reason', () => {
    const late = providerCallError(
      new RetryAfterTooLongError(90_000, new Error('429')),
      'model',
      'X',
      describeFailure,
    ) as ModelError;
    expect(late.message).toContain('retry after 90 s, longer than maxRetryAfterMs');
    expect(late.retryable).toBe(true);
    const typed = new InvalidRequestError('bad');
    expect(providerCallError(typed, 'model', 'X', describeFailure)).toBe(typed);
    const controller = new AbortController();
    const reason = new Error('caller left');
    controller.abort(reason);
    expect(
      providerCallError(new Error('x'), 'model', 'X', describeFailure, controller.signal),
    ).toBe(reason);
  });
});
