/**
 * Every error the cache and its adapters throw on purpose is a {@link CacheError}. Each message
 * says what went wrong and what to do about it; `code` is stable for programs to switch on.
 */
export class CacheError extends Error {
  /** Stable, machine-readable code, e.g. `INVALID_REQUEST`. */
  readonly code: string;
  /** True when repeating the same call later may succeed (network blips, rate limits). */
  readonly retryable: boolean;

  constructor(code: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** The caller passed something the cache cannot accept (empty prompt, wrong type, bad TTL). */
export class InvalidRequestError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_REQUEST', message, options);
  }
}

/** A constructor or call received an option it does not know, or a value out of range. */
export class InvalidOptionError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_OPTION', message, options);
  }
}

/** A vector's length differs from the store's or embedder's dimension. */
export class DimensionMismatchError extends CacheError {
  readonly expected: number;
  readonly actual: number;

  constructor(expected: number, actual: number, where: string) {
    super(
      'DIMENSION_MISMATCH',
      `${where}: expected a vector of dimension ${expected}, got ${actual}. ` +
        'Use the same embedder (and dimensions option) that the store was created with, ' +
        'or point the store at a new table/collection.',
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** A vector holds NaN or ±Infinity, or is all zeros (it has no direction to compare). */
export class InvalidVectorError extends CacheError {
  constructor(message: string) {
    super('INVALID_VECTOR', message);
  }
}

/** An exact or vector store could not be reached or failed; `store` names which. */
export class StoreUnavailableError extends CacheError {
  readonly store: string;

  constructor(store: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super('STORE_UNAVAILABLE', `${store}: ${message}`, {
      retryable: options?.retryable ?? true,
      cause: options?.cause,
    });
    this.store = store;
  }
}

/** A stored value could not be decoded (garbage bytes, unknown format version). */
export class CorruptEntryError extends CacheError {
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super('CORRUPT_ENTRY', `entry ${key}: ${message}`, options);
    this.key = key;
  }
}

/** The embedder failed; `retryable` says whether trying again can help. */
export class EmbedderError extends CacheError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super('EMBEDDER_ERROR', message, options);
  }
}

/** The chat model failed; `retryable` says whether trying again can help. */
export class ModelError extends CacheError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super('MODEL_ERROR', message, options);
  }
}

/** A store, embedder or cache was used after `close()`. */
export class ClosedError extends CacheError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed; create a new instance instead of reusing a closed one.`);
  }
}

/** An operation took longer than its configured timeout. */
export class TimeoutError extends CacheError {
  constructor(what: string, ms: number) {
    super(
      'TIMEOUT',
      `${what} did not answer within ${ms} ms; raise the timeout or check the server.`,
      {
        retryable: true,
      },
    );
  }
}
