import type { VectorStore } from '@cache/core';
import { QdrantVectorStore } from '@cache/qdrant';
import { QdrantClient } from '@qdrant/js-client-rest';

/**
 * A Qdrant store on the server at `url`, in `collection` (created when absent). With
 * `dropOnClose` the collection is deleted on close (throwaway collections of `compare`).
 */
export function openQdrantStore(
  url: string,
  dimension: number,
  collection: string,
  options: { dropOnClose?: boolean } = {},
): VectorStore {
  const client = new QdrantClient({ url, checkCompatibility: false });
  const store = new QdrantVectorStore({ client, dimension, collection });
  const close = store.close.bind(store);
  let dropped = false;
  return Object.assign(store, {
    close: async () => {
      await close();
      if (options.dropOnClose && !dropped) {
        dropped = true;
        await client.deleteCollection(collection);
      }
    },
  });
}
