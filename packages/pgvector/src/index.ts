export type { PgPoolClientLike, PgPoolLike, PgQueryable } from './pg-queryable.js';
export { VectorExtensionMissingError } from './pgvector-errors.js';
export type { HnswOptions, PgVectorStoreOptions } from './pgvector-options.js';
export { DEFAULT_TABLE, searchSql, tableNames } from './pgvector-sql.js';
export { PgVectorStore } from './pgvector-store.js';
