import {
  type ChatRequest,
  type ChatResponse,
  MemoryExactStore,
  StandInChatModel,
} from '@cache/core';
import { chatModelSuite, exactStoreSuite } from '../src/index.js';

exactStoreSuite('MemoryExactStore', () => new MemoryExactStore());
exactStoreSuite(
  'MemoryExactStore (maxEntries 500)',
  () => new MemoryExactStore({ maxEntries: 500 }),
  {
    concurrentSets: 400,
  },
);
chatModelSuite('StandInChatModel', () => new StandInChatModel({ delayMs: 5 }), {
  deterministic: true,
});

/** The stand-in scripted to call the tool it is given when the user asks. */
const toolScript = (request: ChatRequest): ChatResponse | undefined =>
  request.tools !== undefined && request.messages.at(-1)?.role === 'user'
    ? {
        content: '',
        model: request.model,
        finishReason: 'tool_calls',
        toolCalls: [{ id: 'call_standin_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      }
    : undefined;

chatModelSuite(
  'StandInChatModel (scripted tool calls)',
  () => new StandInChatModel({ delayMs: 5, script: toolScript }),
  { deterministic: true, tools: true },
);
