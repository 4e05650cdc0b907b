import { MemoryExactStore, StandInChatModel } from '@cache/core';
import { chatModelSuite, exactStoreSuite } from '../src/index.js';

exactStoreSuite('MemoryExactStore', () => new MemoryExactStore());
exactStoreSuite(
  'MemoryExactStore (maxEntries 500)',
  () => new MemoryExactStore({ maxEntries: 500 }),
  {
    concurrentSets: 400,
  },
);
chatModelSuite('StandInChatModel', () => new StandInChatModel({ delayMs: 5 }), {
  deterministic: true,
});
