import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_TTL_RULES, promptDigest, type TtlRule } from '../src/index.js';
import { PromptMemo } from '../src/prompt-memo.js';
import { ask } from './helpers.js';

describe('PromptMemo', () => {
  it('gives the digest and the default rule of a prompt, the same the second time', () => {
    const memo = new PromptMemo(DEFAULT_TTL_RULES);
    for (let round = 0; round < 2; round++) {
      expect(memo.digest('What is Python?')).toBe(promptDigest('What is Python?'));
      expect(memo.rule('What is my password?', ask('What is my password?'))?.name).toBe('personal');
      expect(memo.rule('weather today', ask('weather today'))?.name).toBe('realtime');
      expect(memo.rule('What is Python?', ask('What is Python?'))).toBeUndefined();
    }
  });

  it('tries pattern rules once per prompt, also when none matches', () => {
    const pattern = /never matches this/;
    const test = vi.spyOn(pattern, 'test');
    const memo = new PromptMemo([{ name: 'odd', match: pattern, ttlMs: 1000 }]);
    for (let i = 0; i < 3; i++)
      expect(memo.rule('What is Python?', ask('What is Python?'))).toBeUndefined();
    expect(test).toHaveBeenCalledTimes(1);
  });

  it('asks function rules every time (they see the whole request)', () => {
    let calls = 0;
    const rules: TtlRule[] = [
      {
        name: 'long-answers',
        match: (_prompt, request) => {
          calls++;
          return (request.maxTokens ?? 0) > 100;
        },
        ttlMs: 'no-store',
      },
    ];
    const memo = new PromptMemo(rules);
    expect(memo.rule('q', ask('q', { maxTokens: 500 }))?.name).toBe('long-answers');
    expect(memo.rule('q', ask('q', { maxTokens: 10 }))).toBeUndefined();
    expect(calls).toBe(2);
  });

  it('stays right past its size and for prompts too long to remember', () => {
    const memo = new PromptMemo(DEFAULT_TTL_RULES);
    const long = `${'word '.repeat(300)}my password`;
    for (let i = 0; i < 3000; i++) memo.digest(`prompt ${i}`);
    for (const text of ['prompt 0', 'prompt 2999', long]) {
      expect(memo.digest(text)).toBe(promptDigest(text));
    }
    expect(memo.rule(long, ask(long))?.name).toBe('personal');
    expect(memo.rule(long, ask(long))?.name).toBe('personal');
  });
});
