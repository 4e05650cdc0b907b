import { randomBytes } from 'node:crypto';
import { exactStoreSuite } from '@cache/conformance';
import { privateRedisSkipReason, startPrivateCluster } from '@cache/test-servers';
import { afterAll, beforeAll } from 'vitest';
import { RedisExactStore } from '../src/index.js';

const url = process.env.REDIS_URL;
/** One prefix per run: the suite's clear() then only ever removes this run's keys. */
const runPrefix = `cachetest:${randomBytes(6).toString('hex')}:`;

exactStoreSuite(
  'redis (standalone, REDIS_URL)',
  () => new RedisExactStore({ url, prefix: runPrefix }),
  {
    skip: url ? false : 'REDIS_URL is not set',
  },
);

const clusterSkip = privateRedisSkipReason();
let cluster: Awaited<ReturnType<typeof startPrivateCluster>> | undefined;

if (clusterSkip === undefined) {
  beforeAll(async () => {
    cluster = await startPrivateCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);
}

exactStoreSuite(
  'redis (3-node Cluster started by the test)',
  () => {
    if (cluster === undefined) throw new Error('the private Redis Cluster did not start');
    return new RedisExactStore({
      cluster: { nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) },
      prefix: runPrefix,
    });
  },
  { skip: clusterSkip ?? false },
);
