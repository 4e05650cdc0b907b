import { chatModelSuite, embedderSuite } from '@cache/conformance';
import { afterAll, beforeAll, describe } from 'vitest';
import { OllamaChatModel, OllamaEmbedder } from '../src/index.js';
import { FakeOllama } from './fake-ollama.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start();
});
afterAll(() => fake.stop());

const realUrl = process.env.OLLAMA_URL;
const embedModel = process.env.OLLAMA_EMBED_MODEL ?? 'nomic-embed-text';
const chatModel = process.env.OLLAMA_CHAT_MODEL ?? 'llama3.2';

embedderSuite('ollama (fake server)', () => new OllamaEmbedder({ baseUrl: fake.url }), {
  dimension: 768,
  normalized: true,
});

chatModelSuite('ollama (fake server)', () => new OllamaChatModel({ baseUrl: fake.url }), {
  model: 'llama3.2',
  deterministic: true,
  tools: true,
  failingFactory: () => new OllamaChatModel({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0 }),
});

// Skipped only when OLLAMA_URL is unset (Ollama cannot run on CI machines); with it set, an
// unreachable server fails the run. Models: OLLAMA_EMBED_MODEL / OLLAMA_CHAT_MODEL.
describe.skipIf(!realUrl)('real Ollama (OLLAMA_URL)', () => {
  embedderSuite(
    'ollama (real server at OLLAMA_URL)',
    () => OllamaEmbedder.detect({ baseUrl: realUrl, model: embedModel }),
    { normalized: true, timeoutMs: 120_000, tolerance: 1e-3 },
  );
  chatModelSuite(
    'ollama (real server at OLLAMA_URL)',
    () => new OllamaChatModel({ baseUrl: realUrl }),
    {
      model: chatModel,
      timeoutMs: 300_000,
      failingFactory: () => new OllamaChatModel({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0 }),
    },
  );
});
