import { createHash } from 'node:crypto';
import { chunksOf } from './chunk-assembly.js';
import { InvalidOptionError, InvalidRequestError } from './errors.js';
import { sleep } from './sleep.js';
import type {
  CallOptions,
  ChatChunk,
  ChatModel,
  ChatRequest,
  ChatResponse,
  TokenUsage,
} from './types.js';

/** Options of `StandInChatModel`. */
export interface StandInChatModelOptions {
  /**
   * Delay before answering, in ms: a number (0 allowed), or a function of the request. Default:
   * 300–800 ms, derived deterministically from the prompt, like a real model's latency.
   */
  delayMs?: number | ((request: ChatRequest) => number);
  /**
   * Scripts answers, for tests: returns the answer to give `request` (tool calls, a refusal,
   * provider extras...), or undefined for the usual deterministic text. Streams replay a
   * scripted answer the way a model streams it (text, refusal, then one piece per tool call).
   */
  script?: (request: ChatRequest) => ChatResponse | undefined;
}

/** Rough token count of a text: one token per 4 characters, at least 1. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * A stand-in for a real chat model, for demos, tests and benchmarks without an API key: it
 * answers every prompt deterministically with a text that names the prompt, after a
 * realistic delay, and reports token usage estimated from text length. Its id is `standin`,
 * and every answer says it comes from a stand-in.
 */
export class StandInChatModel implements ChatModel {
  /** `standin`. */
  readonly id = 'standin';
  private readonly delay: (request: ChatRequest) => number;
  private readonly script: ((request: ChatRequest) => ChatResponse | undefined) | undefined;
  private count = 0;

  constructor(options: StandInChatModelOptions = {}) {
    for (const key of Object.keys(options)) {
      if (key !== 'delayMs' && key !== 'script') {
        throw new InvalidOptionError(
          `StandInChatModel: unknown option "${key}"; valid options are delayMs, script.`,
        );
      }
    }
    if (options.script !== undefined && typeof options.script !== 'function') {
      throw new InvalidOptionError('StandInChatModel: script must be a function of the request.');
    }
    this.script = options.script;
    const d = options.delayMs;
    if (typeof d === 'number') {
      if (!Number.isFinite(d) || d < 0) {
        throw new InvalidOptionError(
          `StandInChatModel: delayMs must be a non-negative number, got ${d}.`,
        );
      }
      this.delay = () => d;
    } else if (typeof d === 'function') {
      this.delay = d;
    } else if (d === undefined) {
      this.delay = standInDelayMs;
    } else {
      throw new InvalidOptionError('StandInChatModel: delayMs must be a number or a function.');
    }
  }

  /** Calls answered so far (`complete` and `stream`). */
  get calls(): number {
    return this.count;
  }

  /** The deterministic answer to `request` after the configured delay. */
  async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    const prompt = promptOf(request);
    this.count++;
    await sleep(this.delay(request), options.signal);
    return this.answer(request, prompt);
  }

  /** The same answer, streamed a few words per chunk after the configured delay. */
  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<ChatChunk> {
    const prompt = promptOf(request);
    this.count++;
    await sleep(this.delay(request), options.signal);
    for (const chunk of chunksOf(this.answer(request, prompt))) {
      options.signal?.throwIfAborted();
      yield chunk;
    }
  }

  private answer(request: ChatRequest, prompt: string): ChatResponse {
    const scripted = this.script?.(request);
    return scripted === undefined ? answerFor(request, prompt) : structuredClone(scripted);
  }
}

/** The stand-in's default delay for `request`: 300–800 ms, the same every time for a prompt. */
export function standInDelayMs(request: ChatRequest): number {
  return 300 + (hash32(promptOf(request)) % 501);
}

function promptOf(request: ChatRequest): string {
  const last = request?.messages?.at(-1);
  if (last === undefined || typeof last.content !== 'string') {
    throw new InvalidRequestError(
      'StandInChatModel: the request needs a last message with string content.',
    );
  }
  return last.content;
}

function answerFor(request: ChatRequest, prompt: string): ChatResponse {
  const quoted = prompt.length > 200 ? `${prompt.slice(0, 200)}…` : prompt;
  const content = `[stand-in model] Answer to "${quoted}" (answer ${hash32(prompt).toString(16).padStart(8, '0')}).`;
  const promptTokens = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
  const completionTokens = estimateTokens(content);
  const usage: TokenUsage = {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
  };
  return { content, model: request.model, finishReason: 'stop', usage };
}

function hash32(text: string): number {
  return createHash('sha256').update(text, 'utf8').digest().readUInt32BE(0);
}
