import { describe, expect, it } from 'vitest';
import {
  type Embedder,
  type EmbedderCoverage,
  InvalidOptionError,
  MemoryExactStore,
  SemanticCache,
  type SemanticCacheOptions,
} from '../src/index.js';
import { ask, BruteForceVectorStore, CountingModel } from './helpers.js';

/**
 * An embedder that gives every text it does not know the same vector, as a model does with
 * out-of-vocabulary input: any two unknown texts are a "perfect" match.
 */
class ParrotEmbedder implements Embedder {
  readonly id = 'parrot';
  readonly dimension = 4;
  embedded: string[] = [];
  constructor(
    readonly coverage?: EmbedderCoverage,
    readonly inspect?: (text: string) => string | undefined,
  ) {}
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.embedded.push(...texts);
    return texts.map(() => new Float32Array([1, 0, 0, 0]));
  }
}

const acceptAll = { id: 'accept-all', judge: () => ({ accept: true, reasons: [] }) };

function setup(embedder: Embedder, extra: Partial<SemanticCacheOptions> = {}) {
  const vectorStore = new BruteForceVectorStore(embedder.dimension);
  const model = new CountingModel();
  const cache = new SemanticCache({
    exactStore: new MemoryExactStore(),
    vectorStore,
    embedder,
    model,
    guard: acceptAll,
    minSimilarity: 0.5,
    ...extra,
  });
  return { cache, model, vectorStore };
}

describe('coverage: prompts the embedder or guard cannot represent get exact hits only', () => {
  it('two Chinese questions are never each other’s semantic hit, whatever their vectors', async () => {
    const { cache, vectorStore } = setup(new ParrotEmbedder(), { unknownLanguageTtlMs: 60_000 });
    const first = await cache.complete(ask('这个多少钱？'));
    expect(first.source).toBe('model');
    expect(first.stored).toBe(true);
    expect(vectorStore.records.size).toBe(0);
    const other = await cache.complete(ask('厕所在哪里？'));
    expect(other.source).toBe('model');
    expect(other.semanticSkip).toMatch(/language \(zh\)/);
    expect((await cache.complete(ask('这个多少钱？'))).source).toBe('exact');
    expect(cache.metrics().semanticSkips).toBeGreaterThanOrEqual(1);
  });

  it('Russian, Arabic, Hindi and German prompts are skipped by an English embedder', async () => {
    const { cache } = setup(new ParrotEmbedder(), { unknownLanguageTtlMs: 60_000 });
    for (const [a, b] of [
      ['Сколько это стоит?', 'Где находится туалет?'],
      ['كم سعر هذا؟', 'أين الحمام؟'],
      ['यह कितने का है?', 'शौचालय कहाँ है?'],
      ['Wie viel kostet das Ticket?', 'Wo ist die Toilette im Bahnhof?'],
    ] as const) {
      await cache.complete(ask(a));
      const r = await cache.complete(ask(b));
      expect(r.source, b).toBe('model');
      expect(r.semanticSkip, b).toMatch(/language/);
    }
  });

  it('prompts without words (emoji, symbols) hit exactly only', async () => {
    const { cache } = setup(new ParrotEmbedder());
    await cache.complete(ask('😀😀😀'));
    const r = await cache.complete(ask('😡😡😡'));
    expect(r.source).toBe('model');
    expect(r.semanticSkip).toMatch(/no words/);
    expect((await cache.complete(ask('😀😀😀'))).source).toBe('exact');
  });

  it('an exact-only cache reads no language and reports no semantic skip', async () => {
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      model: new CountingModel(),
    });
    const r = await cache.complete(ask('😀😀😀'));
    expect(r.source).toBe('model');
    expect(r.semanticSkip).toBeUndefined();
    expect(cache.metrics().semanticSkips).toBe(0);
  });

  it('English prompts still get semantic hits', async () => {
    const { cache } = setup(new ParrotEmbedder());
    await cache.complete(ask('What is the capital of France?'));
    const r = await cache.complete(ask("What's the capital of France?"));
    expect(r.source).toBe('semantic');
    expect(r.semanticSkip).toBeUndefined();
  });

  it('a multilingual embedder still needs the guard’s language unless semanticLanguages opts in', async () => {
    const multilingual = () => new ParrotEmbedder({ languages: '*', maxTokens: 512 });
    const englishGuard = { ...acceptAll, languages: ['en'] as const };
    const strict = setup(multilingual(), { guard: englishGuard, unknownLanguageTtlMs: 60_000 });
    await strict.cache.complete(ask('Wie viel kostet das Ticket nach Berlin?'));
    const skipped = await strict.cache.complete(ask('Was kostet das Ticket nach Berlin?'));
    expect(skipped.source).toBe('model');
    const optedIn = setup(multilingual(), {
      guard: englishGuard,
      semanticLanguages: ['de', 'en'],
      unknownLanguageTtlMs: 60_000,
    });
    await optedIn.cache.complete(ask('Wie viel kostet das Ticket nach Berlin?'));
    const served = await optedIn.cache.complete(ask('Was kostet das Ticket nach Berlin?'));
    expect(served.source).toBe('semantic');
  });

  it('semanticLanguages never widens what the embedder covers', async () => {
    const { cache } = setup(new ParrotEmbedder(), {
      semanticLanguages: '*',
      unknownLanguageTtlMs: 60_000,
    });
    await cache.complete(ask('Wie viel kostet das Ticket nach Berlin?'));
    const r = await cache.complete(ask('Was kostet das Ticket nach Berlin?'));
    expect(r.source).toBe('model');
  });

  it("the embedder's inspect() decides what it can represent, and nothing it rejects is indexed", async () => {
    const embedder = new ParrotEmbedder({ languages: ['en'], maxTokens: 8 }, (text) =>
      text.includes('zzz') ? 'mostly unknown tokens' : undefined,
    );
    const { cache, vectorStore } = setup(embedder);
    await cache.complete(ask('What does zzz qqq mean?'));
    expect(vectorStore.records.size).toBe(0);
    const r = await cache.complete(ask('What does zzz xxx mean?'));
    expect(r.source).toBe('model');
    expect(r.semanticSkip).toBe(
      'the embedder cannot represent the prompt faithfully: mostly unknown tokens',
    );
    expect(embedder.embedded).toEqual([]);
  });

  it('without inspect(), a prompt far longer than the declared window gets no semantic lookup', async () => {
    const embedder = new ParrotEmbedder({ languages: ['en'], maxTokens: 16 });
    const { cache } = setup(embedder);
    const long = `Explain this text: ${'the quick brown fox jumps over the lazy dog '.repeat(3)}`;
    await cache.complete(ask(long));
    const r = await cache.complete(ask(`${long} again`));
    expect(r.source).toBe('model');
    expect(r.semanticSkip).toMatch(/longer than the embedder's window of 16 tokens/);
  });
});

describe('coverage: TTL rules declare their languages', () => {
  it('a prompt no rule understands is not cached by default (it could be personal)', async () => {
    const { cache, model } = setup(new ParrotEmbedder());
    const first = await cache.complete(ask('Wie hoch ist mein Kontostand bei der Bank?'));
    expect(first.source).toBe('bypass');
    expect(first.category).toBe('unknown-language');
    expect(first.reason).toMatch(/language \(de\).*unknownLanguageTtlMs/);
    await cache.complete(ask('Wie hoch ist mein Kontostand bei der Bank?'));
    expect(model.calls).toBe(2);
  });

  it('unknownLanguageTtlMs caches such prompts with that TTL', async () => {
    const { cache } = setup(new ParrotEmbedder(), { unknownLanguageTtlMs: 60_000 });
    const first = await cache.complete(ask('Wie viel kostet das Ticket nach Berlin?'));
    expect(first.stored).toBe(true);
    expect(first.ttlMs).toBe(60_000);
  });

  it('rules without languages read any language; no rules, no language policy', async () => {
    const anyLanguage = setup(new ParrotEmbedder(), {
      ttlRules: [{ name: 'never', match: /^$/u, ttlMs: 'no-store' }],
    });
    expect((await anyLanguage.cache.complete(ask('Wie viel kostet das?'))).stored).toBe(true);
    const none = setup(new ParrotEmbedder(), { ttlRules: [] });
    expect((await none.cache.complete(ask('Wie viel kostet das?'))).stored).toBe(true);
  });

  it('short Latin-script prompts whose language cannot be told are cached as usual', async () => {
    for (const prompt of ['hello', 'python', 'Define entropy', 'Tesla stock']) {
      const { cache } = setup(new ParrotEmbedder());
      const r = await cache.complete(ask(prompt));
      expect(r.stored, prompt).toBe(true);
      expect(r.semanticSkip, prompt).toBeUndefined();
    }
  });

  it('rejects malformed language declarations with a clear error', () => {
    const embedder = new ParrotEmbedder();
    const make = (extra: Partial<SemanticCacheOptions>) => () => setup(embedder, extra);
    expect(make({ semanticLanguages: ['english'] })).toThrow(InvalidOptionError);
    expect(make({ semanticLanguages: [] })).toThrow(/ISO 639-1/);
    expect(make({ unknownLanguageTtlMs: -1 })).toThrow(InvalidOptionError);
    expect(
      make({ ttlRules: [{ name: 'x', match: /a/u, ttlMs: 1000, languages: ['EN'] }] }),
    ).toThrow(/ttlRules\[0\] \(x\)\.languages/);
    expect(() => setup(new ParrotEmbedder({ languages: 'all' as never, maxTokens: 10 }))).toThrow(
      /embedder\.coverage\.languages/,
    );
  });
});
