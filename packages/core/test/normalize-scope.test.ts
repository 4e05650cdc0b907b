import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/index.js';
import { canonicalJson, entryKey, normalizePrompt, scopeOf, scopeOfKey } from '../src/index.js';
import { ask } from './helpers.js';

const ctx = { version: '1', namespace: 'default' };

describe('normalizePrompt', () => {
  it('applies NFC, unifies line endings, trims line ends and the edges, drops control characters', () => {
    expect(normalizePrompt('  What is Python?  ')).toBe('What is Python?');
    expect(normalizePrompt('a\u0000b\u0007c')).toBe('abc');
    expect(normalizePrompt('e\u0301')).toBe('\u00e9');
    expect(normalizePrompt('\n\n  def f():\r\n    return 1   \r\n\n')).toBe(
      '  def f():\n    return 1',
    );
    expect(normalizePrompt('one\rtwo\u2028three')).toBe('one\ntwo\nthree');
  });

  it('keeps what can change an answer: compatibility characters, inner spaces, indentation', () => {
    expect(normalizePrompt('What is 2\u00b3?')).not.toBe(normalizePrompt('What is 23?'));
    expect(normalizePrompt('H\u2082O')).toBe('H\u2082O');
    expect(normalizePrompt('\ufb01le \uff30\uff59')).toBe('\ufb01le \uff30\uff59');
    expect(normalizePrompt('x  =  1')).toBe('x  =  1');
    const a = 'if x:\n    y()\nz()';
    const b = 'if x:\n    y()\n    z()';
    expect(normalizePrompt(a)).not.toBe(normalizePrompt(b));
    expect(normalizePrompt('a\tb')).toBe('a\tb');
  });

  it('folds case only when asked', () => {
    expect(normalizePrompt('What Is PYTHON')).toBe('What Is PYTHON');
    expect(normalizePrompt('What Is PYTHON', { caseFold: true })).toBe('what is python');
  });

  it('gives tidy ASCII prompts (its fast path) the same form as the full normalization', () => {
    const full = (text: string) => {
      const lines = text
        .normalize('NFC')
        .replace(/\r\n?|[\u2028\u2029]/gu, '\n')
        .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/gu, '')
        .split('\n')
        .map((line) => line.replace(/\s+$/u, ''));
      while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
      while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
      const joined = lines.join('\n');
      return joined.includes('\n') ? joined : joined.trim();
    };
    const char = fc.constantFrom(
      ...'aZ9?! ~\t\n\r\u0000\u007f\u00a0\u00e9\ufb01\u3000\u200b\u2028'.split(''),
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 12 }), fc.boolean(), (chars, caseFold) => {
        const text = chars.join('');
        const expected = caseFold ? full(text).toLowerCase() : full(text);
        expect(normalizePrompt(text, { caseFold })).toBe(expected);
      }),
      { numRuns: 3000 },
    );
    expect(normalizePrompt('What is  Python?')).toBe('What is  Python?');
    expect(normalizePrompt('What is Python? ')).toBe('What is Python?');
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

describe('scope hashes stay what they were', () => {
  const r1: ChatRequest = {
    model: 'bench-model',
    messages: [{ role: 'user', content: 'How do I reverse a linked list in place?' }],
  };
  const r2: ChatRequest = {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'assistant', content: 'Hi', name: 'bot' },
      { role: 'user', content: 'Hé 😀', name: 'u' },
    ],
    temperature: 0.2,
    topP: 1,
    maxTokens: 50,
    stop: ['\n'],
    seed: 3,
    tools: [{ b: 1, a: [1, null, 'x'] }],
    toolChoice: 'auto',
    responseFormat: { type: 'json_object' },
  };

  it('pins the keys of scope format 2 (format 1 normalized prompts with NFKC; any change must bump v)', () => {
    expect(scopeOf(r1, ctx)).toBe('b2696f45af1ff651df580bf5c21ee283');
    expect(scopeOf(r2, { ...ctx, tenant: 't1' })).toBe('7882d08d740ac637289741d8bc5260e5');
    expect(entryKey('0'.repeat(32), 'Hé 😀')).toBe(
      '00000000000000000000000000000000:7d5ee33c6900f0a12cd64f847fb27774',
    );
  });

  it('equals SHA-256 of the canonical JSON of the scope record', () => {
    const generic = (
      request: ChatRequest,
      c: { version: string; namespace: string; tenant?: string },
    ) =>
      createHash('sha256')
        .update(
          canonicalJson({
            v: 2,
            version: c.version,
            namespace: c.namespace,
            tenant: c.tenant ?? null,
            model: request.model,
            messages: request.messages.slice(0, -1).map((m) => ({
              role: m.role,
              content: m.content,
              name: m.name,
              toolCalls: m.toolCalls,
              toolCallId: m.toolCallId,
            })),
            lastRole: request.messages.at(-1)?.role,
            lastName: request.messages.at(-1)?.name,
            params: {
              temperature: request.temperature,
              topP: request.topP,
              maxTokens: request.maxTokens,
              stop: request.stop,
              seed: request.seed,
              tools: request.tools,
              toolChoice: request.toolChoice,
              responseFormat: request.responseFormat,
              extra: request.extra,
            },
          }),
          'utf8',
        )
        .digest('hex')
        .slice(0, 32);
    const variants: ChatRequest[] = [
      r1,
      r2,
      { ...r2, messages: r2.messages.slice(1), tools: undefined, seed: 0 },
      { ...r1, temperature: 0, stop: [], toolChoice: { type: 'function', name: 'f' } },
      {
        ...r1,
        messages: [
          { role: 'user', content: '' },
          { role: 'user', content: 'x', name: 'n' },
        ],
      },
    ];
    variants.push({
      ...r1,
      extra: { presence_penalty: 0.5, max_tokens: 9 },
      passthrough: { user: 'u1' },
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
        { role: 'tool', content: '{"t":3}', toolCallId: 'c1' },
        { role: 'user', content: 'and tomorrow?' },
      ],
    });
    // Too long for the memo of recent scopes: hashed each time.
    variants.push({
      ...r1,
      messages: [{ role: 'system', content: 'x'.repeat(5000) }, ...r1.messages],
    });
    // Twice: the second round comes from the memo of recent scopes.
    for (let round = 0; round < 2; round++) {
      for (const request of variants) {
        for (const c of [ctx, { version: '2', namespace: 'ns "q"', tenant: 'é' }]) {
          expect(scopeOf(request, c)).toBe(generic(request, c));
        }
      }
    }
    // More scopes than the memo holds: it starts over, and answers stay right.
    for (let i = 0; i < 600; i++) scopeOf({ ...r1, model: `m${i}` }, ctx);
    expect(scopeOf(r1, ctx)).toBe(generic(r1, ctx));
  });

  it('rejects non-finite numbers and circular parameters as before', () => {
    expect(() => scopeOf({ ...r1, temperature: Number.NaN }, ctx)).toThrow(
      'cannot hash the number NaN',
    );
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => scopeOf({ ...r1, tools: [loop] }, ctx)).toThrow('circular reference');
  });
});
