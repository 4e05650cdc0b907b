import { vectorStoreSuite } from '@cache/conformance';
import { LshVectorStore } from '../src/index.js';

vectorStoreSuite('lsh (defaults)', ({ dimension }) => new LshVectorStore({ dimension }), {
  approximate: { minRecall: 0.9 },
});

vectorStoreSuite(
  'lsh (8 planes, 8 tables, dimension 100)',
  ({ dimension }) => new LshVectorStore({ dimension, planes: 8, tables: 8 }),
  {
    approximate: { minRecall: 0.9 },
    dimension: 100,
  },
);

vectorStoreSuite(
  'lsh (24 planes, map buckets)',
  ({ dimension }) => new LshVectorStore({ dimension, planes: 24, tables: 48, probes: 8 }),
  {
    approximate: { minRecall: 0.8 },
    dimension: 64,
  },
);
