/**
 * Calling the chat model: `complete` or `stream` under the caller's signal and the model
 * timeout, with failures counted and turned into `ModelError` / `TimeoutError`.
 */
import { performance } from 'node:perf_hooks';
import { type CacheContext, messageOf } from './cache-context.js';
import { ChunkAssembler } from './chunk-assembly.js';
import type { ChunkQueue } from './chunk-queue.js';
import { CacheError, ModelError, TimeoutError } from './errors.js';
import type { Prepared } from './prepared-request.js';
import type { ChatModel, ChatResponse } from './types.js';
import { validateResponse } from './validate.js';
import { withTimeout } from './with-timeout.js';

/** Asks the model for the whole answer and checks its shape. */
export async function callModel(
  ctx: CacheContext,
  model: ChatModel,
  p: Prepared,
  signal: AbortSignal | undefined,
): Promise<ChatResponse> {
  const t = performance.now();
  ctx.counters.recordModelCall();
  const { signal: callSignal, timeout, timeoutMs } = modelSignal(ctx, signal);
  try {
    const response = await withTimeout(
      model.complete(p.request, callSignal === undefined ? {} : { signal: callSignal }),
      timeoutMs,
      `${model.id}.complete`,
    );
    try {
      validateResponse(response);
    } catch (error) {
      throw new ModelError(`${model.id} returned a malformed response: ${messageOf(error)}`, {
        cause: error,
      });
    }
    return response;
  } catch (error) {
    ctx.counters.recordError('model');
    if (signal?.aborted === true || error instanceof CacheError) throw error;
    if (timeout?.aborted === true && timeoutMs !== undefined) {
      throw new TimeoutError(`${model.id}.complete`, timeoutMs);
    }
    throw new ModelError(`${model.id} failed: ${messageOf(error)}`, {
      cause: error,
      retryable: true,
    });
  } finally {
    p.timings.modelMs = (p.timings.modelMs ?? 0) + (performance.now() - t);
  }
}

/** Streams the model's answer into `queue` chunk by chunk and returns the whole answer. */
export async function callModelStream(
  ctx: CacheContext,
  model: ChatModel,
  p: Prepared,
  queue: ChunkQueue,
): Promise<ChatResponse> {
  const stream = model.stream?.bind(model);
  if (stream === undefined) throw new ModelError(`${model.id} cannot stream.`);
  const t = performance.now();
  ctx.counters.recordModelCall();
  const { signal, timeout, timeoutMs } = modelSignal(ctx, p.options.signal);
  const answer = new ChunkAssembler();
  try {
    for await (const chunk of stream(p.request, signal === undefined ? {} : { signal })) {
      if (typeof chunk?.delta !== 'string') {
        throw new ModelError(`${model.id} streamed a chunk without a string delta.`);
      }
      answer.add(chunk);
      queue.push(chunk);
    }
  } catch (error) {
    ctx.counters.recordError('model');
    if (p.options.signal?.aborted === true || error instanceof CacheError) throw error;
    if (timeout?.aborted === true && timeoutMs !== undefined) {
      throw new TimeoutError(`${model.id}.stream`, timeoutMs);
    }
    throw new ModelError(`${model.id} stream failed: ${messageOf(error)}`, {
      cause: error,
      retryable: true,
    });
  } finally {
    p.timings.modelMs = (p.timings.modelMs ?? 0) + (performance.now() - t);
  }
  return answer.response(p.request.model);
}

/** The caller's signal combined with the model timeout, when one is set. */
function modelSignal(
  ctx: CacheContext,
  caller: AbortSignal | undefined,
): {
  signal: AbortSignal | undefined;
  timeout: AbortSignal | undefined;
  timeoutMs: number | undefined;
} {
  const timeoutMs = ctx.config.timeouts.modelMs;
  const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const signals = [caller, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  return { signal, timeout, timeoutMs };
}
