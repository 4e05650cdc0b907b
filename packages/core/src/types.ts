/**
 * The spec: what the cache needs from a model, an embedder, an exact store and a vector store.
 * Adapters implement these; `@cache/conformance` checks that they keep the shared semantics.
 */

/** A function call an assistant message asks for, as in OpenAI's `tool_calls`. */
export interface ToolCall {
  /** Id a `tool` message answering this call refers to (`toolCallId`). */
  id: string;
  /** Name of the function to call. */
  name: string;
  /** Its arguments: the JSON text exactly as the model wrote it (never re-serialized). */
  arguments: string;
}

/** One message of a chat conversation, as in the OpenAI chat API. */
export interface ChatMessage {
  /**
   * Who speaks. The last message of a cacheable request is the user's prompt; a request ending
   * with a `tool` result is answered but never cached; any other last role is refused.
   * `developer` is OpenAI's name for system instructions to reasoning models, kept as sent.
   */
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  /** Plain text content (`''` for an assistant message that only calls tools). */
  content: string;
  /** Optional participant name; part of the scope when present. */
  name?: string;
  /** On `assistant` messages: the tool calls it made, in order. Part of the scope. */
  toolCalls?: ToolCall[];
  /** On `tool` messages: the id of the call this message is the result of. Part of the scope. */
  toolCallId?: string;
}

/** A chat completion request in provider-neutral form. */
export interface ChatRequest {
  /** Model name as the provider knows it (e.g. `gpt-4o-mini`); part of the scope. */
  model: string;
  /**
   * The conversation. The last message must be a `user` message to be cached: it is the prompt
   * that is matched. System messages and every earlier turn are hashed into the scope.
   */
  messages: ChatMessage[];
  /** Sampling temperature; above the cache's limit a request is not cached. Part of the scope. */
  temperature?: number;
  /** Nucleus sampling; part of the scope. */
  topP?: number;
  /** Output token limit; part of the scope. */
  maxTokens?: number;
  /** Stop sequences; part of the scope. */
  stop?: string[];
  /** Provider seed; part of the scope. */
  seed?: number;
  /** Tool definitions (any JSON); part of the scope. A request with tools is never served semantically. */
  tools?: unknown;
  /** Tool choice (any JSON); part of the scope. */
  toolChoice?: unknown;
  /** Response format (any JSON, e.g. a JSON schema); part of the scope. */
  responseFormat?: unknown;
  /**
   * Provider fields that may change the answer and have no neutral field above, by their wire
   * names (OpenAI's `presence_penalty`, `max_tokens`, `parallel_tool_calls`...). Part of the
   * scope; adapters of that wire format send them as they are, other adapters map the ones they
   * can and reject the rest with `InvalidRequestError` (never drop them).
   */
  extra?: Record<string, unknown>;
  /**
   * Provider fields known not to change the answer (OpenAI's `user`, `metadata`,
   * `service_tier`...), by their wire names. Not part of the scope; adapters of that wire format
   * send them on a miss, others ignore them.
   */
  passthrough?: Record<string, unknown>;
}

/** Token counts as reported by the provider. */
export interface TokenUsage {
  /** Tokens in the request. */
  promptTokens: number;
  /** Tokens in the answer. */
  completionTokens: number;
  /** promptTokens + completionTokens. */
  totalTokens: number;
  /**
   * The provider's breakdowns, by wire name, replayed as they were (OpenAI:
   * `prompt_tokens_details`, `completion_tokens_details`).
   */
  details?: Record<string, unknown>;
}

/** A model's answer; this is what the cache stores and replays. */
export interface ChatResponse {
  /** The assistant's text (`''` when it only calls tools or refuses). */
  content: string;
  /** The model that produced it, as the provider named it. */
  model: string;
  /** Why generation stopped (`stop`, `length`, `tool_calls`...). */
  finishReason: string;
  /** Token usage, when the provider reported it; used to estimate cost saved. */
  usage?: TokenUsage;
  /**
   * Tool calls the model made, in order. An answer with tool calls is served only to the exact
   * same request, never semantically.
   */
  toolCalls?: ToolCall[];
  /** The model's refusal message, when it refused (OpenAI's `message.refusal`). */
  refusal?: string;
  /**
   * Provider fields of the answer with no neutral field above, by wire name, replayed as they
   * were (OpenAI: `system_fingerprint`, `service_tier`).
   */
  extra?: Record<string, unknown>;
}

/** A piece of a tool call in a stream, as in OpenAI's `delta.tool_calls`. */
export interface ToolCallDelta {
  /** Position of the call in the answer's `toolCalls`. */
  index: number;
  /** The call's id, on its first piece. */
  id?: string;
  /** The function's name, on its first piece. */
  name?: string;
  /** A slice of the arguments' JSON text; the slices of a call concatenate to its arguments. */
  arguments?: string;
}

/** One piece of a streamed answer. */
export interface ChatChunk {
  /** Text added by this chunk (may be empty). */
  delta: string;
  /** Tool-call pieces added by this chunk. */
  toolCalls?: ToolCallDelta[];
  /** A slice of the refusal message. */
  refusal?: string;
  /** Set on the last chunk. */
  finishReason?: string;
  /** Set on the last chunk when the provider reports usage. */
  usage?: TokenUsage;
  /**
   * The answer's provider fields (see `ChatResponse.extra`), on the first chunk that knows them
   * (later ones add to them), so that a relay can repeat them on every chunk it forwards.
   */
  extra?: Record<string, unknown>;
  /** The model that answered, on the first chunk that names it (else the request's model). */
  model?: string;
}

/** Per-call options for models and embedders. */
export interface CallOptions {
  /** Aborts the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A chat model the cache calls on a miss. */
export interface ChatModel {
  /** Stable identifier, e.g. `openai/gpt-4o-mini`; used in metrics and logs. */
  readonly id: string;
  /** Produces a whole answer. Rejects with `ModelError` (with `retryable`) on failure. */
  complete(request: ChatRequest, options?: CallOptions): Promise<ChatResponse>;
  /** Streams an answer chunk by chunk, when the model supports it. */
  stream?(request: ChatRequest, options?: CallOptions): AsyncIterable<ChatChunk>;
}

/** What an embedder represents faithfully; the cache serves no semantic hit for prompts outside it. */
export interface EmbedderCoverage {
  /** ISO 639-1 codes of the languages the model represents well (`['en']`), or `'*'` for a multilingual model. */
  readonly languages: readonly string[] | '*';
  /** Longest input, in the model's own tokens, embedded whole; longer input is truncated by the model. */
  readonly maxTokens: number;
}

/** Turns texts into vectors. */
export interface Embedder {
  /**
   * Identifies the model and its settings (e.g. `openai/text-embedding-3-small@512`). Keys the
   * embedding LRU and selects the calibrated operating point, so it must change whenever the
   * vectors would.
   */
  readonly id: string;
  /** Length of every vector this embedder returns. */
  readonly dimension: number;
  /**
   * Embeds each text; returns one `Float32Array` per text, in order. Rejects an empty list or an
   * empty text with `InvalidRequestError`, and failures with `EmbedderError`.
   */
  embed(texts: readonly string[], options?: CallOptions): Promise<Float32Array[]>;
  /**
   * What the model represents faithfully. Absent: English only and an unknown window, which the
   * cache treats conservatively.
   */
  readonly coverage?: EmbedderCoverage;
  /**
   * Optional: why `text` cannot be represented faithfully (longer than `coverage.maxTokens`, mostly
   * unknown tokens), or undefined when it can. Synchronous, never throws, and its cost is bounded
   * whatever the text's length (it may look at a bounded prefix only).
   */
  inspect?(text: string): string | undefined;
  /** Releases resources (model weights, sockets). Optional. */
  close?(): Promise<void>;
}

/**
 * A cached answer. Keys have the form `<scope>:<digest>` (see `scopeOfKey`), so a store can
 * find an entry's scope from its key alone.
 */
export interface CacheEntry {
  /** The key this entry is stored under. */
  key: string;
  /** Hash of everything besides the prompt that changes the right answer. */
  scope: string;
  /** The normalized prompt the entry answers; the guard compares candidates against it. */
  prompt: string;
  /** The stored answer. */
  response: ChatResponse;
  /** When the answer was produced (epoch ms). */
  createdAt: number;
  /** When the entry stops being served (epoch ms). */
  expiresAt: number;
  /** With a sliding TTL: the latest `expiresAt` may ever move to (epoch ms). */
  maxExpiresAt?: number;
  /** Free-form string metadata supplied by the caller. */
  metadata?: Record<string, string>;
}

/** Options of `ExactStore.set`. */
export interface ExactSetOptions {
  /** Time to live in milliseconds (a positive integer); the store expires the entry natively. */
  ttlMs: number;
}

/**
 * Key-value storage of entries: the source of truth for what is cached and until when.
 * Implementations must never return an expired entry.
 */
export interface ExactStore {
  /** Short name used in metrics and error messages (`memory`, `redis`). */
  readonly name: string;
  /**
   * Returns the live entry under `key`, or `undefined`. A stored value that cannot be decoded is
   * deleted and reported as `undefined` (counted by the store), never thrown to the caller.
   * Rejects with `StoreUnavailableError` when the backend cannot be reached.
   */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Stores `entry` under `key`, replacing any previous one, expiring after `ttlMs`. */
  set(key: string, entry: CacheEntry, options: ExactSetOptions): Promise<void>;
  /** Removes `key`; resolves true when something was removed. */
  delete(key: string): Promise<boolean>;
  /** Removes every entry of `scope`, or every entry this store owns when omitted. */
  clear(scope?: string): Promise<void>;
  /** Releases connections; later calls reject with `ClosedError`. Safe to call twice. */
  close(): Promise<void>;
}

/** A vector pointing at an entry of the exact store. */
export interface VectorRecord {
  /** Key of the entry in the exact store; unique within the vector store. */
  key: string;
  /** Scope of the entry; searches never cross scopes. */
  scope: string;
  /** The embedding; its length must equal the store's dimension, all values finite. */
  vector: Float32Array;
  /** Epoch ms after which the record must not be returned; omit for no expiry. */
  expiresAt?: number;
}

/** Options of `VectorStore.search`. */
export interface VectorSearchOptions {
  /** Only records of this scope are considered (a hard filter, not a re-rank). */
  scope: string;
  /** Maximum number of matches (a positive integer). */
  k: number;
  /** Cosine similarity in [-1, 1] a match must reach; the same meaning in every store. */
  minSimilarity: number;
}

/** One search result. */
export interface VectorMatch {
  /** Key of the matching record. */
  key: string;
  /** Cosine similarity between the query and the stored vector, in [-1, 1]. */
  similarity: number;
}

/** Approximate or exact nearest-neighbour search over entry vectors. */
export interface VectorStore {
  /** Short name used in metrics and error messages (`lsh`, `pgvector`, `qdrant`). */
  readonly name: string;
  /** Length every vector must have. */
  readonly dimension: number;
  /**
   * Inserts or replaces records by key. Rejects with `DimensionMismatchError` or
   * `InvalidVectorError` (NaN, Infinity, all zeros) before writing anything of the batch.
   */
  upsert(records: readonly VectorRecord[]): Promise<void>;
  /**
   * Returns up to `k` live records of `scope` whose cosine similarity to `vector` is at least
   * `minSimilarity`, best first. Validates `vector` like `upsert`.
   */
  search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]>;
  /** Removes the records with these keys; unknown keys are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /** Removes every record of `scope`, or every record when omitted. */
  clear(scope?: string): Promise<void>;
  /** Releases resources; later calls reject with `ClosedError`. Safe to call twice. */
  close(): Promise<void>;
}

/** What a guard sees of a semantic candidate. */
export interface GuardCandidate {
  /** The stored entry's normalized prompt. */
  prompt: string;
  /** Cosine similarity between the two prompts' embeddings. */
  similarity: number;
}

/** A guard's decision on one candidate. */
export interface GuardVerdict {
  /** True when the candidate may be served as an answer to the query. */
  accept: boolean;
  /** Why it was rejected (e.g. `number: 3 vs 4`); empty when accepted. */
  reasons: string[];
  /** The combined score the decision was taken on, when the guard computes one. */
  score?: number;
  /**
   * With a score: true when a hard check failed (a conflict, the similarity floor), which no
   * score outweighs; false when the score alone decided. The optional judge is asked only about
   * candidates whose verdict has a score and `vetoed: false`.
   */
  vetoed?: boolean;
}

/**
 * Decides whether a semantic candidate answers the same question as the query: the last line
 * of defence against serving the answer to a different question.
 */
export interface HitGuard {
  /** Identifies the guard and its operating point, for logs and reports. */
  readonly id: string;
  /**
   * ISO 639-1 codes of the languages the guard analyzes, or `'*'` for any. A prompt in another
   * language gets no semantic hit unless the cache's `semanticLanguages` says so. Absent: any.
   */
  readonly languages?: readonly string[] | '*';
  /** Judges `candidate` for the normalized `query` prompt. */
  judge(query: string, candidate: GuardCandidate): GuardVerdict;
  /**
   * Optional: works out ahead what `judge` needs to know about `prompt`. The cache calls it while
   * a prompt is being embedded, so that this work overlaps the embedding: for the query of a
   * lookup, and for the prompt of an entry being stored (later lookups judge it as a
   * candidate). `judge` must give the same verdicts whether or not it was called, and a throw
   * here is ignored.
   */
  prepare?(prompt: string): void;
}
