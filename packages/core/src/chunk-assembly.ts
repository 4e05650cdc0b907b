/**
 * Assembling a streamed answer: text, refusal and tool-call pieces of `ChatChunk`s joined into
 * the whole `ChatResponse` the cache stores, and the reverse (an answer as chunks, for replay).
 */
import { ModelError } from './errors.js';
import type { ChatChunk, ChatResponse, TokenUsage, ToolCall } from './types.js';

/** Joins the chunks of one streamed answer into its `ChatResponse`. */
export class ChunkAssembler {
  #content = '';
  #refusal: string | undefined;
  #finishReason = 'stop';
  #usage: TokenUsage | undefined;
  #extra: Record<string, unknown> | undefined;
  #model: string | undefined;
  readonly #calls: ToolCall[] = [];

  /**
   * Adds one chunk. Throws `ModelError` when a tool-call piece is malformed (an index that skips
   * a call, a first piece without id and name).
   */
  add(chunk: ChatChunk): void {
    this.#content += chunk.delta;
    if (chunk.refusal !== undefined) this.#refusal = (this.#refusal ?? '') + chunk.refusal;
    for (const piece of chunk.toolCalls ?? []) {
      const index = piece.index;
      if (!Number.isInteger(index) || index < 0 || index > this.#calls.length) {
        throw new ModelError(
          `a streamed tool call has index ${String(index)} but only ${this.#calls.length} calls came before it.`,
          { retryable: false },
        );
      }
      let call = this.#calls[index];
      if (call === undefined) {
        if (typeof piece.id !== 'string' || typeof piece.name !== 'string') {
          throw new ModelError(
            `the first piece of streamed tool call ${index} has no id or no function name.`,
            { retryable: false },
          );
        }
        call = { id: piece.id, name: piece.name, arguments: '' };
        this.#calls.push(call);
      }
      if (piece.arguments !== undefined) call.arguments += piece.arguments;
    }
    if (chunk.finishReason !== undefined) this.#finishReason = chunk.finishReason;
    if (chunk.usage !== undefined) this.#usage = chunk.usage;
    if (chunk.extra !== undefined) this.#extra = { ...this.#extra, ...chunk.extra };
    if (chunk.model !== undefined) this.#model = chunk.model;
  }

  /** The whole answer so far, attributed to the model a chunk named, else to `model`. */
  response(model: string): ChatResponse {
    const response: ChatResponse = {
      content: this.#content,
      model: this.#model ?? model,
      finishReason: this.#finishReason,
    };
    if (this.#usage !== undefined) response.usage = this.#usage;
    if (this.#calls.length > 0) response.toolCalls = this.#calls.map((c) => ({ ...c }));
    if (this.#refusal !== undefined) response.refusal = this.#refusal;
    if (this.#extra !== undefined) response.extra = this.#extra;
    return response;
  }
}

/**
 * `response` as chunks, the way a model streams it: the text a few words per chunk, then the
 * refusal, then one chunk per tool call (id, name and whole arguments). The first chunk names
 * the model and carries the provider extras, the last the finish reason and usage. Joined by `ChunkAssembler`, they give back
 * `response`.
 */
export function chunksOf(response: ChatResponse): ChatChunk[] {
  const chunks: ChatChunk[] = [];
  const calls = response.toolCalls ?? [];
  if (response.content !== '' || (calls.length === 0 && response.refusal === undefined)) {
    for (const delta of splitIntoChunks(response.content)) chunks.push({ delta });
  }
  if (response.refusal !== undefined) chunks.push({ delta: '', refusal: response.refusal });
  calls.forEach((call, index) => {
    chunks.push({
      delta: '',
      toolCalls: [{ index, id: call.id, name: call.name, arguments: call.arguments }],
    });
  });
  const last = chunks[chunks.length - 1] as ChatChunk;
  last.finishReason = response.finishReason;
  if (response.usage !== undefined) last.usage = response.usage;
  const first = chunks[0] as ChatChunk;
  first.model = response.model;
  if (response.extra !== undefined) first.extra = response.extra;
  return chunks;
}

/** Splits `text` into chunks of a few words each, whose concatenation is `text`. */
export function splitIntoChunks(text: string, wordsPerChunk = 4): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [''];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) {
    out.push(words.slice(i, i + wordsPerChunk).join(''));
  }
  return out.length === 0 ? [''] : out;
}
