import { embedderSuite } from '@cache/conformance';
import { LocalEmbedder } from '../src/index.js';

embedderSuite('LocalEmbedder (USE-lite, offline)', () => new LocalEmbedder(), {
  dimension: 512,
  normalized: true,
});
