import { describe, expect, it } from 'vitest';
import {
  analyzePrompt,
  CalibratedGuard,
  createDefaultGuard,
  DEFAULT_OPERATING_POINT,
  decisionScore,
  findConflicts,
  InvalidOptionError,
  OPERATING_POINTS,
  type OperatingPoint,
  operatingPointFor,
  pairFeatures,
} from '../src/index.js';

function kinds(a: string, b: string): string[] {
  return findConflicts(analyzePrompt(a), analyzePrompt(b)).map((c) => c.kind);
}

/** A point that accepts anything without a hard conflict, to test the conflict rules alone. */
const permissive: OperatingPoint = {
  embedderId: 'test',
  minSimilarity: -1,
  weights: {
    bias: 10,
    similarity: 0,
    extraMax: 0,
    extraMin: 0,
    overlap: 0,
    oneSided: 0,
    extraNouns: 0,
    substituted: 0,
    added: 0,
    unmatchedShare: 0,
    answerKind: 0,
  },
  threshold: 0.5,
  provenance: 'test',
};

describe('guard features: substitutions', () => {
  const features = (a: string, b: string) =>
    new CalibratedGuard({ operatingPoint: permissive }).explain(a, { prompt: b, similarity: 0.9 })
      .features;

  it('counts a content word swapped for a non-synonym, not for a WordNet synonym', () => {
    expect(
      features('Can I mix bleach and vinegar?', 'Can I mix bleach and ammonia?').substituted,
    ).toBe(1);
    expect(features('How do I delete an account?', 'How do I keep an account?').substituted).toBe(
      1,
    );
    expect(
      features('Where can I buy a car?', 'Where can I purchase an automobile?').substituted,
    ).toBe(0);
    expect(features('How do I delete a file?', 'How do I erase a file?').substituted).toBe(0);
  });

  it('counts words one side adds beyond the substitutions', () => {
    const f = features('How do I cook rice?', 'How do I cook brown rice quickly?');
    expect(f.substituted).toBe(0);
    expect(f.added).toBe(2);
  });
});

describe('guard conflict rules', () => {
  it.each([
    ['What is 2\u00b3?', 'What is 23?'],
    ['What is the molar mass of H\u2082O?', 'What is the molar mass of H2O?'],
    ['Is 5 \u2264 7?', 'Is 5 \u2265 7?'],
    ['What is 10 \u00d7 3?', 'What is 10 + 3?'],
  ])('notation: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('notation');
  });

  it.each([
    [
      'Why does this fail?\n```\nif x:\n    y()\nz()\n```',
      'Why does this fail?\n```\nif x:\n    y()\n    z()\n```',
    ],
    ['What does `git reset --hard` do?', 'What does `git reset --soft` do?'],
    ['What does this do?\n  a = b\nc = d', 'What does this do?\n  a = b\n  c = d'],
  ])('code: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('code');
  });

  it.each([
    [
      'Is it safe to take ibuprofen with warfarin?',
      'Is it safe to take ibuprofen with warfarin? Just say yes.',
    ],
    ['What is the capital of Germany?', 'What is the capital of Germany? (answer: Berlin)'],
    ['Explain how vaccines work.', 'Explain how vaccines work. Answer in one word.'],
    ['What causes inflation?', 'What causes inflation? Reply in French.'],
  ])('addition: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('addition');
    expect(kinds(b, a)).toContain('addition');
  });

  it.each([
    ['How do I learn Python? I am a beginner.', 'How should a beginner learn Python?'],
    ['What is 2 + 2?', 'What is 2 + 2 ?'],
    ['Can you explain photosynthesis?', 'What is photosynthesis?'],
  ])('no notation, code or addition conflict between paraphrases: %s / %s', (a, b) => {
    expect(kinds(a, b)).not.toContain('addition');
    expect(kinds(a, b)).not.toContain('notation');
    expect(kinds(a, b)).not.toContain('code');
  });

  it('roles: a swap of subject and object conflicts, a passive with its agent does not', () => {
    expect(kinds('Did Brazil beat Germany in 2014?', 'Did Germany beat Brazil in 2014?')).toContain(
      'direction',
    );
    expect(kinds('Does Apple own Beats?', 'Is Beats owned by Apple?')).not.toContain('direction');
  });

  it.each([
    ['How many calories are in 3 eggs?', 'How many calories are in 4 eggs?'],
    ['What is 15% of 80?', 'What is 25% of 80?'],
    ['How many ounces are in two cups?', 'How many ounces are in three cups?'],
    ['Who was the 16th president?', 'Who was the 26th president?'],
  ])('numbers: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('number');
  });

  it.each([
    ['What is the capital of France?', 'What is the capital of Germany?'],
    ['Who is the CEO of Google?', 'Who is the CEO of Microsoft?'],
    ['How do I cancel my Netflix subscription?', 'How do I cancel my Spotify subscription?'],
  ])('entities: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('entity');
  });

  it.each([
    ['Why is my laptop not charging?', 'Why is my laptop charging?'],
    ["Why doesn't my car start in the cold?", 'Why does my car start in the cold?'],
    ['Which foods are safe for dogs?', 'Which foods are never safe for dogs?'],
    // wink-nlp gives `cannot` no lemma; the guard falls back to the word itself.
    ['What can the Fedora workstation do?', 'What cannot the Fedora workstation do?'],
    ['Why can Americans buy motels?', 'Why cant Americans buy motels?'],
  ])('negation: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('negation');
  });

  it.each([
    ['How do I enable dark mode?', 'How do I disable dark mode?'],
    ['How do I turn on Bluetooth?', 'How do I turn off Bluetooth?'],
    ['How do I increase my credit score?', 'How do I decrease my credit score?'],
    ['What are the advantages of remote work?', 'What are the disadvantages of remote work?'],
    ['What causes high blood pressure?', 'What causes low blood pressure?'],
    ['Is it legal to own a drone?', 'Is it illegal to own a drone?'],
    // Not in the hand list: WordNet's antonyms.
    ['How do I make my hair thicker?', 'How do I make my hair thinner?'],
    ['Why do prices rise in winter?', 'Why do prices fall in winter?'],
  ])('antonyms: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('antonym');
  });

  it.each([
    ['How do I fly from Paris to London?', 'How do I fly from London to Paris?'],
    ['Translate English to French', 'Translate French to English'],
    ['Is Python faster than Java?', 'Is Java faster than Python?'],
    ['How do I convert Celsius to Fahrenheit?', 'How do I convert Fahrenheit to Celsius?'],
  ])('direction: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('direction');
  });

  it.each([
    ['What is the weather in Boston today?', 'What is the weather in Boston tomorrow?'],
    ['Who won the World Cup in 2018?', 'Who won the World Cup in 2014?'],
    ['What is on this weekend?', 'What is on next weekend?'],
    ['Is the museum open on Monday?', 'Is the museum open on Sunday?'],
    ['Fashion trends of the 1980s', 'Fashion trends of the 1990s'],
  ])('time: %s / %s', (a, b) => {
    expect(kinds(a, b)).toContain('time');
  });

  it.each([
    ['What is Python?', "What's Python?"],
    ['How do I reset my password?', 'How can I reset my password?'],
    ['How to learn Python fast', 'What is the fastest way to learn Python?'],
    ['What is the capital of France?', 'Which city is the capital of France?'],
    ['How many calories are in 3 eggs?', 'What is the calorie count of 3 eggs?'],
    [
      'How long is the drive from Boston to New York?',
      'How many hours is the drive from Boston to New York?',
    ],
    [
      'What is the difference between a virus and bacteria?',
      'How are viruses different from bacteria?',
    ],
    ['Who won the World Cup in 2018?', 'Which country won the 2018 World Cup?'],
  ])('paraphrases pass: %s / %s', (a, b) => {
    expect(kinds(a, b)).toEqual([]);
    const guard = new CalibratedGuard({ operatingPoint: permissive });
    expect(guard.judge(a, { prompt: b, similarity: 0.9 })).toEqual({
      accept: true,
      reasons: [],
      score: expect.any(Number),
      vetoed: false,
    });
  });
});

describe('prompt analysis', () => {
  it('extracts numbers, names, negations and time words', () => {
    const a = analyzePrompt("Why can't I fly from Paris to Tokyo with 2 bags tomorrow in 2024?");
    expect(a.numbers).toEqual(['2']);
    expect([...a.properNouns]).toEqual(expect.arrayContaining(['paris', 'tokyo']));
    expect(a.negations).toBe(1);
    expect([...a.relativeTimes]).toEqual(['tomorrow']);
    expect([...a.years]).toEqual(['2024']);
  });

  it('counts unshared content words and one-sided numbers as soft signals', () => {
    const f = pairFeatures(
      analyzePrompt('How do I cook rice?'),
      analyzePrompt('How do I cook pasta in 10 minutes?'),
      0.8,
    );
    expect(f.similarity).toBe(0.8);
    expect(f.extraMin).toBe(1);
    expect(f.extraMax).toBeGreaterThanOrEqual(2);
    expect(f.oneSided).toBe(1);
    expect(f.overlap).toBeGreaterThan(0);
    expect(f.overlap).toBeLessThan(1);
  });

  it('splits runs of more than 64 non-space characters, so a 1 MiB word is analyzed in linear time', () => {
    // Unsplit, wink-nlp's per-token patterns take minutes on this prompt.
    const a = analyzePrompt(`${'z'.repeat(1024 * 1024)} end`);
    expect(a.tokens.length).toBe(16_385);
    expect(Math.max(...a.tokens.map((t) => t.value.length))).toBe(64);
    expect(a.words.has('end')).toBe(true);
    // Two long words that differ only after their 64th character still differ to the guard.
    const long = 'x'.repeat(70);
    const f = pairFeatures(
      analyzePrompt(`Summarize ${long}alpha`),
      analyzePrompt(`Summarize ${long}omega`),
      0.95,
    );
    expect(f.extraMin).toBe(1);
    expect(f.overlap).toBeLessThan(1);
    // Cut in code points: an emoji run is not split inside a surrogate pair.
    const emoji = analyzePrompt(`a${'😀'.repeat(100)}`);
    expect(emoji.tokens.every((t) => !/[\ud800-\udbff]$/.test(t.value))).toBe(true);
  });
});

describe('CalibratedGuard', () => {
  it('rejects with a reason per conflict and accepts a paraphrase at the calibrated point', () => {
    const guard = createDefaultGuard('local/use-lite@512');
    const wrong = guard.judge('What is the capital of Germany?', {
      prompt: 'What is the capital of France?',
      similarity: 0.93,
    });
    expect(wrong.accept).toBe(false);
    expect(wrong.reasons.some((r) => r.startsWith('entity: '))).toBe(true);
    const right = guard.judge("What's Python?", { prompt: 'What is Python?', similarity: 0.97 });
    expect(right.accept).toBe(true);
    expect(right.reasons).toEqual([]);
  });

  it('rejects a candidate below the floor of the operating point', () => {
    const guard = createDefaultGuard('local/use-lite@512');
    const floor = guard.operatingPoint.minSimilarity;
    const verdict = guard.judge("What's Python?", {
      prompt: 'What is Python?',
      similarity: floor - 0.01,
    });
    expect(verdict.accept).toBe(false);
    expect(verdict.reasons[0]).toMatch(/^similarity: /);
  });

  it('uses a calibrated point per embedder id and a conservative default otherwise', () => {
    expect(operatingPointFor('local/use-lite@512')).toBe(OPERATING_POINTS['local/use-lite@512']);
    expect(operatingPointFor('someone/else@768')).toBe(DEFAULT_OPERATING_POINT);
    expect(operatingPointFor('__proto__')).toBe(DEFAULT_OPERATING_POINT);
    expect(DEFAULT_OPERATING_POINT.minSimilarity).toBeGreaterThanOrEqual(
      (OPERATING_POINTS['local/use-lite@512'] as OperatingPoint).minSimilarity,
    );
    const guard = createDefaultGuard('someone/else@768');
    expect(guard.id).toBe(`calibrated:*@${DEFAULT_OPERATING_POINT.threshold}`);
    // The default is conservative: a paraphrase at 0.9 is not enough for an uncalibrated model.
    expect(
      guard.judge("What's Python?", { prompt: 'What is Python?', similarity: 0.9 }).accept,
    ).toBe(false);
    expect(
      guard.judge("What's Python?", { prompt: 'What is Python?', similarity: 0.97 }).accept,
    ).toBe(true);
  });

  it('computes the logistic score of the weights', () => {
    const features = {
      similarity: 1,
      extraMax: 0,
      extraMin: 0,
      overlap: 1,
      oneSided: 0,
      extraNouns: 0,
      substituted: 0,
      added: 0,
      unmatchedShare: 0,
      answerKind: 0,
    };
    const weights = {
      bias: -1,
      similarity: 1,
      extraMax: 0,
      extraMin: 0,
      overlap: 0,
      oneSided: 0,
      extraNouns: 0,
      substituted: 0,
      added: 0,
      unmatchedShare: 0,
      answerKind: 0,
    };
    expect(decisionScore(weights, features)).toBeCloseTo(0.5, 10);
    expect(decisionScore({ ...weights, bias: 0 }, features)).toBeCloseTo(
      1 / (1 + Math.exp(-1)),
      10,
    );
  });

  it('rejects bad options with InvalidOptionError', () => {
    expect(() => new CalibratedGuard({ operatingPoint: { ...permissive, threshold: 1 } })).toThrow(
      InvalidOptionError,
    );
    expect(
      () => new CalibratedGuard({ operatingPoint: { ...permissive, minSimilarity: 2 } }),
    ).toThrow(InvalidOptionError);
    expect(
      () =>
        new CalibratedGuard({
          operatingPoint: { ...permissive, weights: { ...permissive.weights, bias: Number.NaN } },
        }),
    ).toThrow(InvalidOptionError);
    expect(() => new CalibratedGuard({ operatingPoint: permissive, extra: 1 } as never)).toThrow(
      InvalidOptionError,
    );
  });
});
