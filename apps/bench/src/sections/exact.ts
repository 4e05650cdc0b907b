import { type ChatRequest, SemanticCache, StandInChatModel } from '@cache/core';
import { RedisExactStore, redisKeyOf } from '@cache/redis';
import { type BenchContext, put, sized } from '../context.js';
import { interleave } from '../measure.js';
import { quantile, summarize } from '../stats.js';
import { note, printTable } from '../table.js';

/**
 * Section `exact`: an exact hit through SemanticCache on RedisExactStore against a raw ioredis
 * GET of the very same Redis key (so the same bytes) on the very same client (so the same
 * connection settings: the store's client is used for both), interleaved in blocks. The cache
 * is exact-only (no vector store or embedder): an exact hit returns before either is touched.
 */
export async function exactSection(ctx: BenchContext): Promise<void> {
  if (ctx.redisUrl === undefined) {
    note('exact: skipped (no Redis URL; pass --redis-url or set REDIS_URL)');
    return;
  }
  const prefix = `bench:${process.pid}:${Date.now().toString(36)}:`;
  const store = new RedisExactStore({ url: ctx.redisUrl, prefix });
  const cache = new SemanticCache({
    exactStore: store,
    model: new StandInChatModel({ delayMs: 0 }),
  });
  try {
    const request: ChatRequest = {
      model: 'bench-model',
      messages: [{ role: 'user', content: 'How do I reverse a linked list in place?' }],
    };
    // A 1 KB answer, about the size of a short LLM reply.
    const content = 'Walk the list once, re-pointing each node at its predecessor. '
      .repeat(17)
      .slice(0, 1000);
    const stored = await cache.store(request, {
      content,
      model: 'bench-model',
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 250, totalTokens: 260 },
    });
    if (!stored.stored || stored.key === undefined) {
      throw new Error(
        `exact: the entry was not stored (${stored.reason ?? stored.failures.join(', ')}).`,
      );
    }
    const redisKey = redisKeyOf(store.prefix, stored.key);
    const client = store.client;
    const raw = await client.get(redisKey);
    if (raw === null) throw new Error(`exact: ${redisKey} is not in Redis after store().`);
    const check = await cache.complete(request);
    if (check.source !== 'exact')
      throw new Error(`exact: expected an exact hit, got ${check.source}.`);
    const lookupCheck = await cache.lookup(request);
    if (lookupCheck.source !== 'exact')
      throw new Error(`exact: expected an exact lookup hit, got ${lookupCheck.source}.`);

    // Many prompts in turn, more than the cache remembers digests and TTL rules of (1,024), so
    // every hit pays the full preparation: the figure for hits spread over many prompts.
    const spread = sized(ctx, 4_096, 2_048, 8);
    const spreadRequests: ChatRequest[] = [];
    const spreadKeys: string[] = [];
    for (let i = 0; i < spread; i++) {
      const r: ChatRequest = {
        ...request,
        messages: [
          { role: 'user', content: `How do I reverse a linked list in place? (variant ${i})` },
        ],
      };
      const s = await cache.store(r, { content, model: 'bench-model', finishReason: 'stop' });
      if (s.key === undefined) throw new Error('exact: a spread entry was not stored.');
      spreadRequests.push(r);
      spreadKeys.push(redisKeyOf(store.prefix, s.key));
    }

    const total = sized(ctx, 10_000, 1_000, 100);
    const warm = sized(ctx, 1_000, 200, 10);
    for (let i = 0; i < warm; i++) {
      await client.get(redisKey);
      await cache.complete(request);
      await cache.lookup(request);
    }
    const policyMs: number[] = [];
    const exactMs: number[] = [];
    const pooled = await interleave(
      [
        { name: 'raw ioredis GET', fn: () => client.get(redisKey) },
        {
          name: 'SemanticCache.complete (exact hit)',
          fn: async () => {
            const r = await cache.complete(request);
            policyMs.push(r.timings.policyMs ?? Number.NaN);
            exactMs.push(r.timings.exactMs ?? Number.NaN);
          },
        },
        { name: 'SemanticCache.lookup (exact hit)', fn: () => cache.lookup(request) },
        {
          name: `raw ioredis GET, ${spread} keys in turn`,
          fn: (i) => client.get(spreadKeys[i % spread] as string),
        },
        {
          name: `SemanticCache.complete, ${spread} prompts in turn`,
          fn: async (i) => {
            const r = await cache.complete(spreadRequests[i % spread] as ChatRequest);
            if (r.source !== 'exact') throw new Error(`exact: spread hit was ${r.source}.`);
          },
        },
      ],
      total,
      250,
    );
    const rawFig = summarize(pooled.get('raw ioredis GET') ?? []);
    const hitFig = summarize(pooled.get('SemanticCache.complete (exact hit)') ?? []);
    const lookupFig = summarize(pooled.get('SemanticCache.lookup (exact hit)') ?? []);
    const rawSpreadFig = summarize(pooled.get(`raw ioredis GET, ${spread} keys in turn`) ?? []);
    const spreadFig = summarize(
      pooled.get(`SemanticCache.complete, ${spread} prompts in turn`) ?? [],
    );
    const ratio = hitFig.p50Us / rawFig.p50Us;
    printTable(
      `Exact hit on Redis vs raw GET of the same ${Buffer.byteLength(raw)} bytes (same client, ${total} calls each, interleaved in blocks of 250)`,
      ['operation', 'p50 µs', 'p99 µs', 'mean µs', 'p50 ÷ its raw GET p50'],
      [
        ['raw ioredis GET', rawFig.p50Us, rawFig.p99Us, rawFig.meanUs, 1],
        ['SemanticCache.complete (exact hit)', hitFig.p50Us, hitFig.p99Us, hitFig.meanUs, ratio],
        [
          'SemanticCache.lookup (exact hit)',
          lookupFig.p50Us,
          lookupFig.p99Us,
          lookupFig.meanUs,
          lookupFig.p50Us / rawFig.p50Us,
        ],
        [
          `raw ioredis GET, ${spread} keys in turn`,
          rawSpreadFig.p50Us,
          rawSpreadFig.p99Us,
          rawSpreadFig.meanUs,
          1,
        ],
        [
          `SemanticCache.complete, ${spread} prompts in turn`,
          spreadFig.p50Us,
          spreadFig.p99Us,
          spreadFig.meanUs,
          spreadFig.p50Us / rawSpreadFig.p50Us,
        ],
      ],
    );
    const policyP50 = quantile(policyMs, 0.5) * 1000;
    const exactP50 = quantile(exactMs, 0.5) * 1000;
    note(
      `steps the cache reports for those hits (p50): policy, validation and hashing ${policyP50.toFixed(1)} µs; exact-store get ${exactP50.toFixed(1)} µs`,
    );
    note(
      `goal exactHitOverRawGet ≤ 1.3: ${ratio <= 1.3 ? 'holds' : 'FAILS'} (${ratio.toFixed(3)})`,
    );
    put(ctx.report, 'exactHitOverRawGet', ratio);
    put(ctx.report, 'exact', {
      valueBytes: Buffer.byteLength(raw),
      calls: total,
      rawGet: rawFig,
      completeHit: hitFig,
      lookupHit: lookupFig,
      lookupOverRawGet: lookupFig.p50Us / rawFig.p50Us,
      spreadPrompts: spread,
      rawGetSpread: rawSpreadFig,
      completeHitSpread: spreadFig,
      spreadHitOverRawGet: spreadFig.p50Us / rawSpreadFig.p50Us,
      completeStepsP50Us: { policy: policyP50, exactStore: exactP50 },
    });
  } finally {
    await cache.clear();
    await cache.close();
  }
}
