export { freePort } from './free-port.js';
export {
  postgresBinDir,
  privatePostgresSkipReason,
  startPrivatePostgres,
} from './private-postgres.js';
export {
  type PrivateRedisCluster,
  privateRedisSkipReason,
  redisCli,
  startPrivateCluster,
  startPrivateRedis,
} from './private-redis.js';
export type { PrivateServer } from './private-server.js';
export { onPath } from './processes.js';
