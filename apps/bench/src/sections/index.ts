import type { BenchContext } from '../context.js';
import { annSection } from './ann.js';
import { embeddersSection } from './embedders.js';
import { exactSection } from './exact.js';
import { pgvectorSection } from './pgvector.js';
import { realSection } from './real.js';
import { scaleSection } from './scale.js';
import { semanticSection } from './semantic.js';
import { throughputSection } from './throughput.js';

/** Every section, in the order `pnpm bench` runs them. */
export const SECTIONS = {
  exact: exactSection,
  semantic: semanticSection,
  throughput: throughputSection,
  real: realSection,
  embedders: embeddersSection,
  pgvector: pgvectorSection,
  ann: annSection,
  scale: scaleSection,
} satisfies Record<string, (ctx: BenchContext) => Promise<void>>;

/** Name of a section (`--only`). */
export type SectionName = keyof typeof SECTIONS;
