import type { BenchContext } from '../context.js';
import { note } from '../table.js';

/** Section `pgvector`: PgVectorStore on PGlite and PostgreSQL (pending @cache/pgvector). */
export async function pgvectorSection(_ctx: BenchContext): Promise<void> {
  note('pgvector: not yet wired');
}
