import type { ChatChunk } from './types.js';

/**
 * An unbounded single-consumer queue of chunks: a producer pushes at its own pace and the
 * consumer iterates; ending or failing wakes the consumer. Lets a model stream run to its end
 * (and be cached) whatever the reader does.
 */
export class ChunkQueue implements AsyncIterable<ChatChunk> {
  private readonly items: ChatChunk[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  /** Adds a chunk. */
  push(chunk: ChatChunk): void {
    this.items.push(chunk);
    this.notify();
  }

  /** Marks the end of the chunks. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Ends the chunks with an error the consumer will see after the chunks already queued. */
  fail(error: unknown): void {
    this.failure = { error };
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    for (;;) {
      const next = this.items.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
