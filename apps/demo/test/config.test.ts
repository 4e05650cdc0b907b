import { InvalidOptionError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { CHOICES, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to the embedded backends and the stand-in model', () => {
    const config = loadConfig({});
    expect(config.CACHE_EXACT_STORE).toBe('memory');
    expect(config.CACHE_VECTOR_STORE).toBe('lsh');
    expect(config.CACHE_EMBEDDER).toBe('local');
    expect(config.CACHE_MODEL).toBe('standin');
  });

  it('uses the OpenAI model by default when a key is present', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test' }).CACHE_MODEL).toBe('openai');
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test', CACHE_MODEL: 'standin' }).CACHE_MODEL).toBe(
      'standin',
    );
  });

  it.each(Object.entries(CHOICES))(
    'rejects an unknown %s, listing the valid values',
    (name, valid) => {
      let caught: unknown;
      try {
        loadConfig({ [name]: 'bogus' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionError);
      const message = (caught as Error).message;
      expect(message).toContain(`${name}=bogus is not supported`);
      for (const value of valid) expect(message).toContain(value);
    },
  );

  it('requires the URL of a chosen server backend', () => {
    expect(() => loadConfig({ CACHE_EXACT_STORE: 'redis' })).toThrow(
      /CACHE_EXACT_STORE=redis needs REDIS_URL/,
    );
    expect(() => loadConfig({ CACHE_VECTOR_STORE: 'pgvector' })).toThrow(/needs DATABASE_URL/);
    expect(() => loadConfig({ CACHE_VECTOR_STORE: 'qdrant' })).toThrow(/needs QDRANT_URL/);
    expect(() => loadConfig({ CACHE_EMBEDDER: 'ollama' })).toThrow(/needs OLLAMA_URL/);
    expect(() => loadConfig({ CACHE_MODEL: 'openai' })).toThrow(/needs OPENAI_API_KEY/);
    const ok = loadConfig({ CACHE_EXACT_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(ok.REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('reports every problem at once and rejects malformed URLs and numbers', () => {
    expect(() =>
      loadConfig({
        CACHE_VECTOR_STORE: 'faiss',
        REDIS_URL: 'not a url',
        CACHE_MODEL_TIMEOUT_MS: '-5',
      }),
    ).toThrow(
      /CACHE_VECTOR_STORE=faiss[\s\S]*REDIS_URL=not a url is not a URL[\s\S]*CACHE_MODEL_TIMEOUT_MS must be positive/,
    );
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ CACHE_EXACT_STORE: '', REDIS_URL: ' ' }).CACHE_EXACT_STORE).toBe('memory');
  });
});
