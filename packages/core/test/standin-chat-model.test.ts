import { describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  StandInChatModel,
  splitIntoChunks,
  standInDelayMs,
} from '../src/index.js';
import { ask } from './helpers.js';

describe('StandInChatModel', () => {
  it('answers deterministically, naming the prompt, with estimated usage', async () => {
    const model = new StandInChatModel({ delayMs: 0 });
    const a = await model.complete(ask('What is Python?'));
    const b = await model.complete(ask('What is Python?'));
    expect(model.id).toBe('standin');
    expect(a).toEqual(b);
    expect(a.content).toContain('What is Python?');
    expect(a.content).toContain('stand-in');
    expect(a.finishReason).toBe('stop');
    expect(a.usage?.promptTokens).toBe(Math.ceil('What is Python?'.length / 4));
    expect(a.usage?.totalTokens).toBe(
      (a.usage?.promptTokens ?? 0) + (a.usage?.completionTokens ?? 0),
    );
    expect((await model.complete(ask('Other?'))).content).not.toBe(a.content);
    expect(model.calls).toBe(3);
  });

  it('streams the same answer', async () => {
    const model = new StandInChatModel({ delayMs: 0 });
    let text = '';
    let last;
    for await (const chunk of model.stream(ask('What is Python?'))) {
      text += chunk.delta;
      last = chunk;
    }
    expect(text).toBe((await model.complete(ask('What is Python?'))).content);
    expect(last?.finishReason).toBe('stop');
  });

  it('derives its default delay from the prompt (300–800 ms) and honours aborts', async () => {
    const delays = Array.from({ length: 200 }, (_, i) => standInDelayMs(ask(`prompt ${i}`)));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(50);
    expect(standInDelayMs(ask('prompt 7'))).toBe(delays[7]);
    const model = new StandInChatModel();
    const controller = new AbortController();
    const pending = model.complete(ask('slow one'), { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    expect(() => new StandInChatModel({ delayMs: -1 })).toThrow(InvalidOptionError);
    expect(() => new StandInChatModel({ delay: 1 } as never)).toThrow(/unknown option "delay"/);
  });

  it('splitIntoChunks keeps the text intact', () => {
    const text = 'one two  three\nfour five six seven eight nine';
    expect(splitIntoChunks(text).join('')).toBe(text);
    expect(splitIntoChunks(text, 2).length).toBe(5);
  });
});
