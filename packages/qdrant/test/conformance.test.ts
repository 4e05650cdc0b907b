import { randomBytes } from 'node:crypto';
import { vectorStoreSuite } from '@cache/conformance';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe } from 'vitest';
import { QdrantVectorStore } from '../src/index.js';
import { FakeQdrant } from './fake-qdrant.js';
import { realQdrantUrl } from './targets.js';

let fake: FakeQdrant;
const realCollections: string[] = [];

beforeAll(async () => {
  fake = await FakeQdrant.start();
});

afterAll(async () => {
  await fake.stop();
  if (realQdrantUrl && realCollections.length > 0) {
    const client = new QdrantClient({
      url: realQdrantUrl,
      apiKey: process.env.QDRANT_API_KEY,
      checkCompatibility: false,
    });
    for (const name of realCollections) await client.deleteCollection(name);
  }
});

const collection = () => `cache_conformance_${randomBytes(6).toString('hex')}`;

// Every test gets its own collection: the suite's clear() must not touch other stores' records.
vectorStoreSuite(
  'qdrant (wire-level fake)',
  ({ dimension }) => new QdrantVectorStore({ url: fake.url, dimension, collection: collection() }),
  // Loopback HTTP is slow on a loaded 2-core machine; 1000 concurrent upserts need the room.
  { timeoutMs: 20_000 },
);

// Skipped only when QDRANT_URL is unset (Qdrant cannot run on CI machines); with it set, an
// unreachable server fails the run.
describe.skipIf(!realQdrantUrl)('real Qdrant (QDRANT_URL)', () => {
  vectorStoreSuite(
    'qdrant (real server at QDRANT_URL)',
    ({ dimension }) => {
      const name = collection();
      realCollections.push(name);
      return new QdrantVectorStore({
        url: realQdrantUrl as string,
        apiKey: process.env.QDRANT_API_KEY,
        dimension,
        collection: name,
      });
    },
    { timeoutMs: 30_000 },
  );
});
