/**
 * Streaming: hits replayed as chunks of a few words, and a model stream pumped into the
 * reader's queue and stored once its last chunk has arrived.
 */
import { attempt, type CacheContext } from './cache-context.js';
import type { CacheResult, CacheStream } from './cache-result.js';
import type { ChunkQueue } from './chunk-queue.js';
import { storeEntry } from './entry-store.js';
import { callModel, callModelStream } from './model-call.js';
import type { Prepared } from './prepared-request.js';
import { splitIntoChunks } from './standin-chat-model.js';
import type { CacheEntry, ChatChunk, ChatModel, ChatResponse } from './types.js';

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
      changed = previous === undefined ? undefined : previous.response.content !== response.content;
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
    chunks: replayChunks(result.response),
    result: Promise.resolve(result),
  };
}

async function* replayChunks(response: ChatResponse): AsyncGenerator<ChatChunk> {
  const pieces = splitIntoChunks(response.content);
  for (let i = 0; i < pieces.length; i++) {
    const delta = pieces[i] as string;
    if (i < pieces.length - 1) yield { delta };
    else
      yield {
        delta,
        finishReason: response.finishReason,
        ...(response.usage ? { usage: response.usage } : {}),
      };
  }
}
