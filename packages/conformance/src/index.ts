export { chatModelSuite } from './chat-model-suite.js';
export { embedderSuite } from './embedder-suite.js';
export { exactStoreSuite } from './exact-store-suite.js';
export type {
  ApproximateOptions,
  ChatModelSuiteOptions,
  EmbedderSuiteOptions,
  ExactStoreSuiteOptions,
  SuiteOptions,
  VectorStoreSuiteOptions,
} from './options.js';
export { describeWithServer } from './server-gate.js';
export { keyIn, makeEntry, randomScope, TestRandom } from './test-data.js';
export { vectorStoreSuite } from './vector-store-suite.js';
