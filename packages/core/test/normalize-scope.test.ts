import { describe, expect, it } from 'vitest';
import { canonicalJson, entryKey, normalizePrompt, scopeOf, scopeOfKey } from '../src/index.js';
import { ask } from './helpers.js';

const ctx = { version: '1', namespace: 'default' };

describe('normalizePrompt', () => {
  it('applies NFKC, collapses whitespace, trims and drops control characters', () => {
    expect(normalizePrompt('  What\u00a0is \t\n Python?  ')).toBe('What is Python?');
    expect(normalizePrompt('ﬁle Ｐｙｔｈｏｎ')).toBe('file Python');
    expect(normalizePrompt('a\u0000b\u0007c')).toBe('abc');
    expect(normalizePrompt('e\u0301')).toBe('é');
  });

  it('folds case only when asked', () => {
    expect(normalizePrompt('What Is PYTHON')).toBe('What Is PYTHON');
    expect(normalizePrompt('What Is PYTHON', { caseFold: true })).toBe('what is python');
  });
});

describe('canonicalJson', () => {
  it('does not depend on key order, and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      canonicalJson({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe('scopeOf / entryKey', () => {
  it('keys have the form <scope>:<digest> that scopeOfKey understands', () => {
    const scope = scopeOf(ask('hi'), ctx);
    const key = entryKey(scope, 'hi');
    expect(scope).toMatch(/^[0-9a-f]{32}$/);
    expect(scopeOfKey(key)).toBe(scope);
  });

  it('ignores key order inside tools and response formats', () => {
    const a = scopeOf(ask('q', { tools: [{ name: 't', params: { a: 1, b: 2 } }] }), ctx);
    const b = scopeOf(ask('q', { tools: [{ params: { b: 2, a: 1 }, name: 't' }] }), ctx);
    expect(a).toBe(b);
  });

  it('separates everything that changes the answer', () => {
    const base = scopeOf(ask('q'), ctx);
    const variants = [
      scopeOf(ask('q'), { ...ctx, version: '2' }),
      scopeOf(ask('q'), { ...ctx, namespace: 'other' }),
      scopeOf(ask('q'), { ...ctx, tenant: 't1' }),
      scopeOf(ask('q', { model: 'other-model' }), ctx),
      scopeOf(
        {
          model: 'test-model',
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'q' },
          ],
        },
        ctx,
      ),
      scopeOf(
        {
          model: 'test-model',
          messages: [
            { role: 'user', content: 'earlier' },
            { role: 'assistant', content: 'reply' },
            { role: 'user', content: 'q' },
          ],
        },
        ctx,
      ),
      scopeOf(ask('q', { temperature: 0 }), ctx),
      scopeOf(ask('q', { temperature: 0.5 }), ctx),
      scopeOf(ask('q', { maxTokens: 10 }), ctx),
      scopeOf(ask('q', { topP: 0.5 }), ctx),
      scopeOf(ask('q', { stop: ['\n'] }), ctx),
      scopeOf(ask('q', { seed: 1 }), ctx),
      scopeOf(ask('q', { tools: [{ name: 't' }] }), ctx),
      scopeOf(ask('q', { toolChoice: 'auto' }), ctx),
      scopeOf(ask('q', { responseFormat: { type: 'json_object' } }), ctx),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    // The prompt itself is not part of the scope.
    expect(scopeOf(ask('another prompt'), ctx)).toBe(base);
  });

  it('keeps tenants apart even when their names could be concatenated alike', () => {
    expect(scopeOf(ask('q'), { version: '1', namespace: 'a', tenant: 'bc' })).not.toBe(
      scopeOf(ask('q'), { version: '1', namespace: 'ab', tenant: 'c' }),
    );
  });
});
