import { chatModelSuite, embedderSuite } from '@cache/conformance';
import { afterAll, beforeAll, describe } from 'vitest';
import { OpenAIChatModel, OpenAIEmbedder } from '../src/index.js';
import { FAKE_API_KEY, FakeOpenAI } from './fake-openai.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(() => fake.stop());

const realKey = process.env.OPENAI_API_KEY;
// The real API is optional even in CI (CACHE_REQUIRE_SERVERS=1): skipped only when the key is
// unset; with a key set, a failing API fails the run.
const real = { timeoutMs: 60_000 } as const;
const realChatModel = process.env.OPENAI_CHAT_MODEL ?? 'gpt-4o-mini';

embedderSuite(
  'openai (fake API)',
  () => new OpenAIEmbedder({ apiKey: FAKE_API_KEY, baseURL: fake.baseURL, dimensions: 256 }),
  { dimension: 256, normalized: true },
);

chatModelSuite(
  'openai (fake API)',
  () => new OpenAIChatModel({ apiKey: FAKE_API_KEY, baseURL: fake.baseURL }),
  {
    model: 'gpt-4o-mini',
    deterministic: true,
    tools: true,
    failingFactory: () =>
      new OpenAIChatModel({
        apiKey: FAKE_API_KEY,
        baseURL: 'http://127.0.0.1:9/v1',
        maxRetries: 0,
      }),
  },
);

describe.skipIf(!realKey)('real OpenAI API (OPENAI_API_KEY)', () => {
  embedderSuite(
    'openai (real API, OPENAI_API_KEY)',
    () => new OpenAIEmbedder({ apiKey: realKey }),
    {
      ...real,
      dimension: 1536,
      normalized: true,
      // The real API's vectors vary slightly between calls and batch compositions.
      tolerance: 2e-3,
    },
  );

  chatModelSuite(
    'openai (real API, OPENAI_API_KEY)',
    () => new OpenAIChatModel({ apiKey: realKey }),
    {
      ...real,
      model: realChatModel,
      tools: { toolChoice: { type: 'function', function: { name: 'get_weather' } } },
      failingFactory: () =>
        new OpenAIChatModel({ apiKey: 'sk-invalid-key-for-tests', maxRetries: 0 }),
    },
  );
});
