import { chatModelSuite, embedderSuite, exactStoreSuite, vectorStoreSuite } from '../src/index.js';
import {
  EchoChatModel,
  MapExactStore,
  ScanVectorStore,
  TrigramEmbedder,
} from './reference-adapters.js';

exactStoreSuite('reference map store', () => new MapExactStore());
vectorStoreSuite('reference scan store', ({ dimension }) => new ScanVectorStore(dimension));
vectorStoreSuite(
  'reference scan store as approximate',
  ({ dimension }) => new ScanVectorStore(dimension),
  {
    approximate: { minRecall: 1 },
    dimension: 48,
    concurrentUpserts: 200,
  },
);
embedderSuite('reference trigram embedder', () => new TrigramEmbedder(), {
  dimension: 64,
  normalized: true,
});
chatModelSuite('reference echo model', () => new EchoChatModel(), {
  deterministic: true,
  failingFactory: () => new EchoChatModel(true),
});
