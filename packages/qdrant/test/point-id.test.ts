import { describe, expect, it } from 'vitest';
import { pointIdOf, uuidV5 } from '../src/index.js';

describe('point ids', () => {
  it('are RFC 9562 version-5 UUIDs (checked against the published example)', () => {
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    expect(uuidV5('hello.example.com', dns)).toBe('fdda765f-fc57-5604-a269-52a7df8164ec');
  });

  it('are stable per key and differ between keys', () => {
    expect(pointIdOf('s:1')).toBe(pointIdOf('s:1'));
    expect(pointIdOf('s:1')).not.toBe(pointIdOf('s:2'));
    expect(pointIdOf('s:1')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
