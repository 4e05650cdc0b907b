import { randomBytes } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { FakeQdrant } from './fake-qdrant.js';

/**
 * Where a suite runs: always against the wire-level fake, and also against a real Qdrant when
 * `QDRANT_URL` is set (no skipping then: an unreachable server fails the run).
 */
export interface Target {
  name: 'fake' | 'real';
  /** Base URL once `start` resolved. */
  url(): string;
  /** The fake, when this target is the fake. */
  fake(): FakeQdrant | undefined;
  start(): Promise<void>;
  /** Deletes the collections the tests created, stops the fake. */
  stop(): Promise<void>;
  /** A fresh, unique collection name; dropped by `stop`. */
  collection(): string;
  /** A client for out-of-band actions (deleting a collection under the store). */
  client(): QdrantClient;
}

export const realQdrantUrl = process.env.QDRANT_URL;

export function targets(): Target[] {
  const list: Target[] = [makeTarget('fake')];
  if (realQdrantUrl) list.push(makeTarget('real'));
  return list;
}

function makeTarget(name: 'fake' | 'real'): Target {
  let fake: FakeQdrant | undefined;
  let url = '';
  let client: QdrantClient | undefined;
  const created: string[] = [];
  return {
    name,
    url: () => url,
    fake: () => fake,
    async start() {
      if (name === 'fake') {
        fake = await FakeQdrant.start();
        url = fake.url;
      } else {
        url = realQdrantUrl as string;
      }
      client = new QdrantClient({
        url,
        apiKey: process.env.QDRANT_API_KEY,
        checkCompatibility: false,
      });
    },
    async stop() {
      if (name === 'real' && client) {
        for (const c of created) await client.deleteCollection(c).catch(() => undefined);
      }
      await fake?.stop();
    },
    collection() {
      const c = `cache_test_${randomBytes(6).toString('hex')}`;
      created.push(c);
      return c;
    },
    client: () => client as QdrantClient,
  };
}
