// The built package: LocalEmbedder starts its worker thread from dist/embed-worker.js.
import { embedderSuite } from '@cache/conformance';
import { LocalEmbedder } from '../dist/index.js';

embedderSuite(
  'LocalEmbedder (USE-lite, offline)',
  () => new LocalEmbedder({ model: 'local/use-lite@512' }),
  {
    dimension: 512,
    normalized: true,
  },
);

embedderSuite(
  'LocalEmbedder (all-MiniLM-L6-v2, offline)',
  () => new LocalEmbedder({ model: 'local/all-minilm-l6-v2@384' }),
  { dimension: 384, normalized: true },
);
