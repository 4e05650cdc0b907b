/**
 * Streaming: hits replayed as chunks of a few words, and a model stream pumped into the
 * reader's queue and stored once its last chunk has arrived.
 */
import { attempt, type CacheContext } from './cache-context.js';
import type { CacheResult, CacheStream } from './cache-result.js';
import { chunksOf } from './chunk-assembly.js';
import type { ChunkQueue } from './chunk-queue.js';
import { storeEntry } from './entry-store.js';
import { callModel, callModelStream } from './model-call.js';
import type { Prepared } from './prepared-request.js';
import type { CacheEntry, ChatChunk, ChatModel, ChatResponse } from './types.js';
import { sameAnswer } from './validate.js';

/**
 * Runs the model stream to its end, pushing its chunks into `queue` (or replaying a whole
 * answer from a model that cannot stream), then stores the answer unless `mode` is bypass or
 * policy forbids. A failure fails the queue and is rethrown.
 */
export async function pumpModelStream(
  ctx: CacheContext,
  model: ChatModel,
  p: Prepared,
  mode: 'bypass' | 'refresh' | 'miss',
  queue: ChunkQueue,
): Promise<{ response: ChatResponse; stored: boolean; changed?: boolean }> {
  const c = ctx.config;
  try {
    let previous: CacheEntry | undefined;
    if (mode === 'refresh') {
      const old = await attempt(
        ctx,
        c.exactStore.name,
        c.timeouts.exactStoreMs,
        () => c.exactStore.get(p.key),
        p,
      );
      previous = old.ok ? old.value : undefined;
    }
    const response =
      model.stream === undefined
        ? await callModel(ctx, model, p, p.options.signal)
        : await callModelStream(ctx, model, p, queue);
    if (model.stream === undefined)
      for await (const chunk of replayChunks(response)) queue.push(chunk);
    let changed: boolean | undefined;
    if (mode === 'refresh') {
      changed = previous === undefined ? undefined : !sameAnswer(previous.response, response);
      ctx.counters.recordRefresh(changed);
    }
    const stored = mode !== 'bypass' && p.store ? await storeEntry(ctx, p, response, false) : false;
    queue.end();
    return { response, stored, changed };
  } catch (error) {
    queue.fail(error);
    throw error;
  }
}

/** A finished result as a stream: its answer replayed as chunks. */
export function replay(result: CacheResult): CacheStream {
  return {
    source: result.source,
    key: result.key,
    similarity: result.similarity,
    matchedKey: result.matchedKey,
    shared: result.shared,
    chunks: replayChunks(result.response),
    result: Promise.resolve(result),
  };
}

/** Replays an answer, tool calls and refusal included (see `chunksOf`). */
async function* replayChunks(response: ChatResponse): AsyncGenerator<ChatChunk> {
  yield* chunksOf(response);
}
