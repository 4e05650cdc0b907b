import {
  type HitGuard,
  JUDGE_SYSTEM_PROMPT,
  judgeRequest,
  MemoryExactStore,
  SemanticCache,
  StandInChatModel,
} from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIChatModel, OpenAIEmbedder } from '../src/index.js';
import { ArrayVectorStore } from './array-vector-store.js';
import { FAKE_API_KEY, FakeOpenAI } from './fake-openai.js';

const CHAT = '/v1/chat/completions';

/** A guard unsure of every candidate: score 0.6, inside the judge's band, no hard conflict. */
const unsureGuard: HitGuard = {
  id: 'unsure',
  judge: () => ({ accept: true, reasons: [], score: 0.6, vetoed: false }),
};

/** A chat completion of the API saying `content`. */
function completion(content: string): string {
  return JSON.stringify({
    id: 'chatcmpl-judge',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 90, completion_tokens: 1, total_tokens: 91 },
  });
}

describe('OpenAIChatModel as the judge', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(() => fake.stop());

  it('sends the fixed yes/no prompt; yes serves the candidate, any other answer refuses it', async () => {
    const embedder = new OpenAIEmbedder({
      apiKey: FAKE_API_KEY,
      baseURL: fake.baseURL,
      dimensions: 256,
    });
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      vectorStore: new ArrayVectorStore(256),
      embedder,
      model: new StandInChatModel({ delayMs: 0 }),
      guard: unsureGuard,
      minSimilarity: 0.5,
      judge: {
        model: new OpenAIChatModel({ apiKey: FAKE_API_KEY, baseURL: fake.baseURL, baseDelayMs: 1 }),
        modelName: 'gpt-4o-mini',
        band: { low: 0.3, high: 0.9 },
      },
    });
    const ask = (content: string) => ({
      model: 'gpt-4o',
      messages: [{ role: 'user' as const, content }],
    });
    await cache.complete(ask('How do I reset my router password'));

    fake.failNext(CHAT, { status: 200, body: completion('Yes') });
    const before = fake.count(CHAT);
    const yes = await cache.lookup(ask('How do I reset my router password please'));
    expect(yes.source).toBe('semantic');
    expect(fake.count(CHAT) - before).toBe(1);
    const sent = judgeRequest(
      'How do I reset my router password please',
      'How do I reset my router password',
      'gpt-4o-mini',
      4,
    );
    expect(fake.requests.at(-1)?.body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0,
      max_completion_tokens: 4,
      messages: [
        { role: 'system', content: JUDGE_SYSTEM_PROMPT },
        { role: 'user', content: sent.messages[1]?.content },
      ],
    });

    // The fake's own answer ("Answer to: ...") is neither yes nor no: refused, counted.
    const other = await cache.lookup(ask('How do I reset my router password quickly'));
    expect(other.source).toBe('miss');
    expect(other.rejected[0]?.reasons[0]).toMatch(/^judge: no \(unreadable answer "Answer to:/);
    expect(cache.metrics().judge).toMatchObject({
      calls: 2,
      accepted: 1,
      rejected: 1,
      failures: 1,
    });
    await cache.close();
  });
});
