import { CacheError, StoreUnavailableError } from '@cache/core';

/**
 * The database has no `vector` extension, or the store may not create it. Not retryable: an
 * administrator has to install pgvector (or the PGlite extension) first.
 */
export class VectorExtensionMissingError extends StoreUnavailableError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'pgvector',
      `the database has no "vector" extension (${detail}). Install pgvector on the PostgreSQL server ` +
        '(Debian/Ubuntu: apt install postgresql-<major>-pgvector; from source: ' +
        'https://github.com/pgvector/pgvector#installation; Docker: the pgvector/pgvector image), then ' +
        'run CREATE EXTENSION vector; as a superuser in this database. With PGlite, create it with ' +
        "`new PGlite({ extensions: { vector } })`, `vector` imported from '@electric-sql/pglite-pgvector'.",
      { cause: options?.cause, retryable: false },
    );
  }
}

/** SQLSTATE classes and codes that describe a connection problem rather than a bad statement. */
const CONNECTION_STATES = /^(08|57P0[1-4]|53300|53400|57014|40001|40P01|55P03)/;

/**
 * Maps an error of `operation` to a `StoreUnavailableError`: retryable for connection failures
 * (refused, reset, server shutting down or starting, too many connections, serialization
 * conflicts), not retryable for other SQL errors.
 */
export function toStoreError(operation: string, error: unknown): CacheError {
  if (error instanceof CacheError && error.code !== 'TIMEOUT') return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const sqlState = sqlStateOf(err);
  if (sqlState !== undefined && !CONNECTION_STATES.test(sqlState)) {
    return new StoreUnavailableError(
      'pgvector',
      `${operation} failed: PostgreSQL answered ${sqlState} "${err.message}". Check the table and the database.`,
      { cause: err, retryable: false },
    );
  }
  return new StoreUnavailableError(
    'pgvector',
    `${operation} failed: ${err.message || err.name}. Check that PostgreSQL is running and reachable; ` +
      'the pool opens new connections by itself, so later calls succeed once the server is back.',
    { cause: err, retryable: true },
  );
}

/** The SQLSTATE of a server error (`pg`'s DatabaseError and PGlite's errors carry `code`). */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True when PostgreSQL refused because the vector extension cannot be found or loaded. */
export function isExtensionMissing(error: unknown): boolean {
  const state = sqlStateOf(error);
  const message = error instanceof Error ? error.message : '';
  return (
    (state === '58P01' || state === '0A000' || state === '42704') &&
    /vector|extension/i.test(message)
  );
}
