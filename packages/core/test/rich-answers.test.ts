import { describe, expect, it } from 'vitest';
import {
  type ChatChunk,
  type ChatRequest,
  type ChatResponse,
  ChunkAssembler,
  chunksOf,
  MemoryExactStore,
  SemanticCache,
  StandInChatModel,
  scopeOf,
} from '../src/index.js';
import { ask, BruteForceVectorStore, WordEmbedder } from './helpers.js';

const TOOLS = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }];

const toolAnswer: ChatResponse = {
  content: '',
  model: 'test-model-2024',
  finishReason: 'tool_calls',
  toolCalls: [
    { id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
    { id: 'call_2', name: 'weather', arguments: '{"city":"Rome"}' },
  ],
  usage: {
    promptTokens: 12,
    completionTokens: 8,
    totalTokens: 20,
    details: { prompt_tokens_details: { cached_tokens: 0 } },
  },
  extra: { system_fingerprint: 'fp_1', service_tier: 'default' },
};

function setup(script?: (request: ChatRequest) => ChatResponse | undefined) {
  const embedder = new WordEmbedder();
  const vectors = new BruteForceVectorStore(embedder.dimension);
  const model = new StandInChatModel({ delayMs: 0, script });
  const cache = new SemanticCache({
    exactStore: new MemoryExactStore(),
    vectorStore: vectors,
    embedder,
    model,
    minSimilarity: 0.5,
    ttlRules: [],
  });
  return { cache, vectors, model };
}

async function drain(chunks: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe('rich answers', () => {
  it('stores a tool-call answer and replays all of it on an exact hit, never semantically', async () => {
    const { cache, vectors, model } = setup((r) => (r.tools ? toolAnswer : undefined));
    const request = ask('what is the weather in Paris and Rome', { tools: TOOLS });
    const miss = await cache.complete(request);
    expect(miss.source).toBe('model');
    expect(miss.semanticSkip).toBe('the request has tools');
    expect(miss.response).toEqual(toolAnswer);
    expect(vectors.records.size).toBe(0);
    const hit = await cache.complete(request);
    expect(hit.source).toBe('exact');
    expect(hit.response).toEqual(toolAnswer);
    const paraphrase = await cache.lookup(
      ask('what is the weather like in Paris and Rome', { tools: TOOLS }),
    );
    expect(paraphrase.source).toBe('miss');
    expect(paraphrase.semanticSkip).toBe('the request has tools');
    expect(model.calls).toBe(1);
  });

  it('streams a hit of a tool-call answer as tool-call pieces that assemble to it', async () => {
    const { cache } = setup((r) => (r.tools ? toolAnswer : undefined));
    const request = ask('weather in Paris and Rome', { tools: TOOLS });
    const first = await cache.stream(request);
    await drain(first.chunks);
    expect((await first.result).response).toEqual(toolAnswer);
    const again = await cache.stream(request);
    expect(again.source).toBe('exact');
    const chunks = await drain(again.chunks);
    expect(chunks.filter((c) => c.toolCalls !== undefined)).toHaveLength(2);
    const assembler = new ChunkAssembler();
    for (const chunk of chunks) assembler.add(chunk);
    expect(assembler.response('other')).toEqual(toolAnswer);
  });

  it('writes no vector for a tool-call or refusal answer stored cache-aside for a plain prompt', async () => {
    const { cache, vectors } = setup();
    await cache.store(ask('call the weather tool'), toolAnswer);
    await cache.store(ask('say something rude'), {
      content: '',
      refusal: 'I cannot help with that.',
      model: 'm',
      finishReason: 'stop',
    });
    expect(vectors.records.size).toBe(0);
    await cache.store(ask('what is python'), {
      content: 'A language.',
      model: 'm',
      finishReason: 'stop',
    });
    expect(vectors.records.size).toBe(1);
    expect((await cache.lookup(ask('call the weather tool'))).response).toEqual(toolAnswer);
  });

  it('answers a conversation ending with a tool result without caching it', async () => {
    const { cache, model } = setup();
    const request: ChatRequest = {
      model: 'test-model',
      tools: TOOLS,
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: [toolAnswer.toolCalls?.[0] as never] },
        { role: 'tool', content: '{"temp":21}', toolCallId: 'call_1' },
      ],
    };
    const first = await cache.complete(request);
    expect(first.source).toBe('bypass');
    expect(first.reason).toMatch(/last message is a tool message/);
    expect((await cache.complete(request)).source).toBe('bypass');
    expect(model.calls).toBe(2);
  });

  it('keys extra fields and tool turns into the scope, never passthrough fields', () => {
    const ctx = { version: '1', namespace: 'default' };
    const base = ask('q');
    const scope = scopeOf(base, ctx);
    expect(scopeOf({ ...base, passthrough: { user: 'alice' } }, ctx)).toBe(scope);
    expect(scopeOf({ ...base, extra: { presence_penalty: 1 } }, ctx)).not.toBe(scope);
    const turn = (id: string): ChatRequest => ({
      model: 'm',
      messages: [
        { role: 'assistant', content: '', toolCalls: [{ id, name: 'f', arguments: '{}' }] },
        { role: 'tool', content: 'r', toolCallId: id },
        { role: 'user', content: 'q' },
      ],
    });
    expect(scopeOf(turn('a'), ctx)).not.toBe(scopeOf(turn('b'), ctx));
  });

  it('skips semantic lookups for structured formats and tool turns, not for plain text', async () => {
    const { cache } = setup();
    await cache.complete(ask('what is the python language'));
    const plain = await cache.complete(ask('what is the python programming language'));
    expect(plain.source).toBe('semantic');
    const json = await cache.complete(
      ask('what is the python programming language', {
        responseFormat: { type: 'json_object' },
      }),
    );
    expect(json.semanticSkip).toMatch(/structured response format/);
    expect(json.source).toBe('model');
    const text = await cache.lookup(
      ask('what is the python programming language', { responseFormat: { type: 'text' } }),
    );
    expect(text.semanticSkip).toBeUndefined();
  });

  it('assembles streamed tool-call slices and refuses a piece that skips a call', () => {
    const a = new ChunkAssembler();
    a.add({ delta: '', toolCalls: [{ index: 0, id: 'c', name: 'f', arguments: '{"a"' }] });
    a.add({ delta: '', toolCalls: [{ index: 0, arguments: ':1}' }] });
    a.add({ delta: '', finishReason: 'tool_calls' });
    expect(a.response('m').toolCalls).toEqual([{ id: 'c', name: 'f', arguments: '{"a":1}' }]);
    expect(() => a.add({ delta: '', toolCalls: [{ index: 3, arguments: 'x' }] })).toThrow(
      /index 3/,
    );
    expect(chunksOf({ content: 'hi there', model: 'm', finishReason: 'stop' })).toEqual([
      { delta: 'hi there', finishReason: 'stop', model: 'm' },
    ]);
  });
});
