export { POINT_ID_NAMESPACE, pointIdOf, uuidV5 } from './point-id.js';
export {
  QdrantVectorStore,
  type QdrantVectorStoreOptions,
  type QdrantVectorStoreStats,
} from './qdrant-vector-store.js';
