// The built package: LocalEmbedder starts its worker thread from dist/embed-worker.js.
import { embedderSuite } from '@cache/conformance';
import { LocalEmbedder } from '../dist/index.js';

embedderSuite('LocalEmbedder (USE-lite, offline)', () => new LocalEmbedder(), {
  dimension: 512,
  normalized: true,
});
