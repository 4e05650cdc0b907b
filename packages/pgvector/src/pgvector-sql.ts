import { InvalidOptionError } from '@cache/core';

/** Default table name. */
export const DEFAULT_TABLE = 'cache_vectors';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/** A validated, quoted table name and the names derived from it. */
export interface TableNames {
  /** The name as given (`table` or `schema.table`). */
  readonly given: string;
  /** Quoted for SQL, e.g. `"public"."cache_vectors"`. */
  readonly quoted: string;
  /** Quoted name of the hnsw index (created in the table's schema). */
  readonly hnswIndex: string;
  /** Quoted name of the scope index. */
  readonly scopeIndex: string;
  /** Quoted name of the expiry index. */
  readonly expiryIndex: string;
}

/**
 * Validates `table` (`name` or `schema.name`, each a letter or underscore followed by up to 47
 * letters, digits or underscores, so that derived index names stay within PostgreSQL's 63
 * bytes) and quotes it. Throws `InvalidOptionError` otherwise: the name is spliced into SQL.
 */
export function tableNames(table: string): TableNames {
  const parts = typeof table === 'string' ? table.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new InvalidOptionError(
      `PgVectorStore: table ${JSON.stringify(table)} is not a valid name; use letters, digits and underscores (at most 48, not starting with a digit), optionally prefixed by "schema.".`,
    );
  }
  const name = parts[parts.length - 1] as string;
  const quote = (p: string) => `"${p}"`;
  return {
    given: table,
    quoted: parts.map(quote).join('.'),
    hnswIndex: quote(`${name}_embedding_hnsw`),
    scopeIndex: quote(`${name}_scope`),
    expiryIndex: quote(`${name}_expires_at`),
  };
}

/** Statements creating the table and its indexes when absent, in order. */
export function createStatements(
  t: TableNames,
  dimension: number,
  hnsw: { m: number; efConstruction: number },
): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${t.quoted} (
  key text PRIMARY KEY,
  scope text NOT NULL,
  embedding vector(${dimension}) NOT NULL,
  expires_at bigint
)`,
    `CREATE INDEX IF NOT EXISTS ${t.hnswIndex} ON ${t.quoted} USING hnsw (embedding vector_cosine_ops) WITH (m = ${hnsw.m}, ef_construction = ${hnsw.efConstruction})`,
    `CREATE INDEX IF NOT EXISTS ${t.scopeIndex} ON ${t.quoted} (scope)`,
    `CREATE INDEX IF NOT EXISTS ${t.expiryIndex} ON ${t.quoted} (expires_at) WHERE expires_at IS NOT NULL`,
  ];
}

/** Columns of an existing table: name → type name and type modifier (a vector's dimension). */
export const COLUMNS_SQL = `SELECT a.attname AS name, t.typname AS type, a.atttypmod AS typmod
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`;

/**
 * Batch upsert in one statement: the records arrive as four parallel arrays ($1 keys, $2
 * scopes, $3 vectors as pgvector text, $4 expiry epoch ms or null).
 */
export function upsertSql(t: TableNames): string {
  return `INSERT INTO ${t.quoted} (key, scope, embedding, expires_at)
SELECT u.key, u.scope, u.embedding::vector, u.expires_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS u(key, scope, embedding, expires_at)
ON CONFLICT (key) DO UPDATE
SET scope = EXCLUDED.scope, embedding = EXCLUDED.embedding, expires_at = EXCLUDED.expires_at`;
}

/**
 * The semantic search. The inner query is the shape the hnsw index serves (ORDER BY distance
 * LIMIT k, with the scope and expiry as filters); with `hnsw.iterative_scan` on, pgvector keeps
 * scanning the index until k rows pass the filters. The similarity threshold is applied outside,
 * so a query with no close neighbour does not make the index scan its whole graph.
 * Parameters: $1 query vector, $2 scope, $3 now (epoch ms), $4 k, $5 largest cosine distance.
 */
export function searchSql(t: TableNames): string {
  return `WITH nearest AS MATERIALIZED (
  SELECT key, embedding <=> $1::vector AS distance
  FROM ${t.quoted}
  WHERE scope = $2 AND (expires_at IS NULL OR expires_at > $3)
  ORDER BY embedding <=> $1::vector
  LIMIT $4
)
SELECT key, 1 - distance AS similarity FROM nearest WHERE distance <= $5 ORDER BY distance, key`;
}

/** Deletes the rows whose vector does not have $1 dimensions; returns their keys. */
export function deleteWrongDimensionSql(t: TableNames): string {
  return `DELETE FROM ${t.quoted} WHERE vector_dims(embedding) <> $1 RETURNING key`;
}
