import { ANTONYM_PAIRS, DIRECTION_MARKERS } from './lexicon.js';
import { MAX_MATCHED_WORDS, matchedIn } from './matching.js';
import type { AnalyzedToken, PromptAnalysis } from './prompt-analysis.js';
import { antonymous } from './wordnet.js';

/** The kinds of disagreement that make two prompts different questions. */
export type ConflictKind =
  | 'number'
  | 'entity'
  | 'negation'
  | 'antonym'
  | 'direction'
  | 'order'
  | 'time'
  | 'notation'
  | 'code'
  | 'addition';

/** One disagreement between a query and a candidate prompt. */
export interface Conflict {
  /** Which rule found it. */
  kind: ConflictKind;
  /** Human-readable evidence, e.g. `3 vs 4`. */
  detail: string;
}

const ANTONYMS = new Map<string, string[]>();
for (const [a, b] of ANTONYM_PAIRS) {
  ANTONYMS.set(a, [...(ANTONYMS.get(a) ?? []), b]);
  ANTONYMS.set(b, [...(ANTONYMS.get(b) ?? []), a]);
}
const NEGATING_PREFIXES = ['un', 'dis', 'in', 'im', 'il', 'ir', 'non'];
/** Shorter stems make false pairs (`put`/`input`, `form`/`inform`). */
const MIN_PREFIXED_STEM = 5;
const ENTITY_POS = new Set(['NOUN', 'PROPN', 'NUM', 'X']);

/**
 * Every hard conflict between two analyzed prompts: different numbers, swapped names, negation
 * on one side only, antonyms, reversed direction or roles, different times, different notation
 * (`2³` / `23`) or quoted code, and an instruction or constraint added on one side only. Empty
 * when none is found.
 */
export function findConflicts(a: PromptAnalysis, b: PromptAnalysis): Conflict[] {
  const conflicts: Conflict[] = [];
  numberConflict(a, b, conflicts);
  entityConflict(a, b, conflicts);
  if (a.negations > 0 !== b.negations > 0) {
    conflicts.push({
      kind: 'negation',
      detail: a.negations > 0 ? 'negated vs not negated' : 'not negated vs negated',
    });
  }
  antonymConflict(a, b, conflicts);
  directionConflict(a, b, conflicts);
  orderConflict(a, b, conflicts);
  timeConflict(a, b, conflicts);
  if (a.notation !== b.notation) {
    conflicts.push({
      kind: 'notation',
      detail: `${a.notation || 'no symbols'} vs ${b.notation || 'no symbols'}`,
    });
  }
  if (a.code !== b.code) conflicts.push({ kind: 'code', detail: 'the quoted code differs' });
  additionConflict(a, b, conflicts);
  return conflicts;
}

/**
 * A sentence, bracketed clause or line on one side none of whose content words the other side
 * has (or a synonym of them): "Is ibuprofen safe with warfarin? Just say yes." asks for
 * something "Is ibuprofen safe with warfarin?" does not.
 */
function additionConflict(a: PromptAnalysis, b: PromptAnalysis, out: Conflict[]): void {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    if (x.segments.length < 2) continue;
    for (const segment of x.segments) {
      if (segment.size > MAX_MATCHED_WORDS) continue;
      let any = false;
      for (const word of segment) {
        if (matchedIn(word, y)) {
          any = true;
          break;
        }
      }
      if (!any) {
        out.push({ kind: 'addition', detail: `"${[...segment].join(' ')}" on one side only` });
        return;
      }
    }
  }
}

function numberConflict(a: PromptAnalysis, b: PromptAnalysis, out: Conflict[]): void {
  // A year-like number ("a 2000 word essay") is a number too when the other side's is not.
  const na = [...a.numbers, ...a.years];
  const nb = [...b.numbers, ...b.years];
  if (na.length === 0 || nb.length === 0) return;
  const sa = na.sort().join(', ');
  const sb = nb.sort().join(', ');
  if (sa !== sb) out.push({ kind: 'number', detail: `${sa} vs ${sb}` });
}

function entityConflict(a: PromptAnalysis, b: PromptAnalysis, out: Conflict[]): void {
  const onlyA = [...a.properNouns].filter((n) => !mentions(b, n));
  const onlyB = [...b.properNouns].filter((n) => !mentions(a, n));
  if (onlyA.length > 0 && onlyB.length > 0) {
    out.push({ kind: 'entity', detail: `${onlyA.join(' ')} vs ${onlyB.join(' ')}` });
  }
}

function antonymConflict(a: PromptAnalysis, b: PromptAnalysis, out: Conflict[]): void {
  for (const word of a.words) {
    if (b.words.has(word)) continue;
    const opposites = [...(ANTONYMS.get(word) ?? [])];
    for (const prefix of NEGATING_PREFIXES) {
      if (word.length >= MIN_PREFIXED_STEM) opposites.push(prefix + word);
      if (word.startsWith(prefix) && word.length - prefix.length >= MIN_PREFIXED_STEM) {
        opposites.push(word.slice(prefix.length));
      }
    }
    for (const opposite of opposites) {
      if (b.words.has(opposite) && !a.words.has(opposite)) {
        out.push({ kind: 'antonym', detail: `${word} vs ${opposite}` });
        return;
      }
    }
  }
  // WordNet's antonyms between the key words only one side has (`thick` / `thin`).
  const onlyA = [...a.keyLemmas].filter((w) => !b.words.has(w)).slice(0, MAX_MATCHED_WORDS);
  const onlyB = [...b.keyLemmas].filter((w) => !a.words.has(w)).slice(0, MAX_MATCHED_WORDS);
  for (const x of onlyA) {
    for (const y of onlyB) {
      if (antonymous(x, y)) {
        out.push({ kind: 'antonym', detail: `${x} vs ${y}` });
        return;
      }
    }
  }
}

/**
 * The same key words with two of them (or two runs of them) trading places around the rest:
 * "Does the moon orbit the Earth?" / "Does the Earth orbit the moon?", "Is gold heavier than
 * silver?" / "Is silver heavier than gold?". Unlike the direction rule this needs no part of
 * speech (the tagger calls `orbit` a noun and `chase` an adjective in such questions). Moving a
 * phrase to the front ("In 2010 he moved to Paris" / "He moved to Paris in 2010") is no swap;
 * a passive with its agent on one side only ("Beats is owned by Apple") may swap the roles.
 */
function orderConflict(a: PromptAnalysis, b: PromptAnalysis, out: Conflict[]): void {
  if (a.passive !== b.passive) return;
  const x = [...a.keyLemmas];
  const y = [...b.keyLemmas];
  if (x.length !== y.length || x.length < 3 || x.length > MAX_ORDERED_WORDS) return;
  if (!x.every((w) => b.keyLemmas.has(w))) return;
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  if (i === x.length) return;
  let j = x.length - 1;
  while (x[j] === y[j]) j--;
  // x[i..j] must read P + M + Q where y[i..j] reads Q + M + P, with M not empty.
  for (let p = 1; p <= j - i - 1; p++) {
    for (let q = 1; p + q <= j - i; q++) {
      const m = j - i + 1 - p - q;
      if (m < 1) continue;
      if (
        same(x, i, y, j - p + 1, p) &&
        same(x, j - q + 1, y, i, q) &&
        same(x, i + p, y, i + q, m)
      ) {
        out.push({
          kind: 'order',
          detail: `${x.slice(i, i + p).join(' ')} ↔ ${x.slice(j - q + 1, j + 1).join(' ')}`,
        });
        return;
      }
    }
  }
}

/** Key words compared for order at most (longer prompts are compared by the other rules). */
const MAX_ORDERED_WORDS = 40;

function same(x: string[], i: number, y: string[], j: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (x[i + k] !== y[j + k]) return false;
  return true;
}

function directionConflict(a: PromptAnalysis, b: PromptAnalysis, out: Conflict[]): void {
  const pa = entityPositions(a.tokens);
  const pb = entityPositions(b.tokens);
  const shared = [...pa.keys()].filter((w) => pb.has(w));
  for (let i = 0; i < shared.length; i++) {
    for (let j = i + 1; j < shared.length; j++) {
      const x = shared[i] as string;
      const y = shared[j] as string;
      const ax = pa.get(x) as number;
      const ay = pa.get(y) as number;
      const bx = pb.get(x) as number;
      const by = pb.get(y) as number;
      if (ax < ay === bx < by) continue;
      // "A beat B" / "B was beaten by A": a passive with its agent swaps the roles' places.
      if (a.passive !== b.passive) continue;
      if (ordered(a.tokens, ax, ay) && ordered(b.tokens, bx, by)) {
        const [first, second] = ax < ay ? [x, y] : [y, x];
        out.push({ kind: 'direction', detail: `${first} → ${second} vs ${second} → ${first}` });
        return;
      }
    }
  }
}

function timeConflict(a: PromptAnalysis, b: PromptAnalysis, out: Conflict[]): void {
  const ta = [...a.relativeTimes].sort().join(', ');
  const tb = [...b.relativeTimes].sort().join(', ');
  if (ta !== tb) out.push({ kind: 'time', detail: `${ta || 'no time'} vs ${tb || 'no time'}` });
  if (a.years.size > 0 && b.years.size > 0) {
    const ya = [...a.years].sort().join(', ');
    const yb = [...b.years].sort().join(', ');
    if (ya !== yb) out.push({ kind: 'time', detail: `${ya} vs ${yb}` });
  }
}

function entityPositions(tokens: readonly AnalyzedToken[]): Map<string, number> {
  const positions = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (t.content && (ENTITY_POS.has(t.pos) || t.proper) && !positions.has(t.lemma))
      positions.set(t.lemma, i);
  });
  return positions;
}

/** True when a direction word or a verb lies strictly between positions `i` and `j`. */
function ordered(tokens: readonly AnalyzedToken[], i: number, j: number): boolean {
  const [lo, hi] = i < j ? [i, j] : [j, i];
  for (let k = lo + 1; k < hi; k++) {
    const t = tokens[k] as AnalyzedToken;
    if (DIRECTION_MARKERS.has(t.lemma) || t.pos === 'VERB') return true;
  }
  return false;
}

/**
 * True when `analysis` mentions the name `name` in any spelling the tagger splits differently:
 * as a word, inside the text (`antiTrump` mentions `trump`), or sharing a 5-letter stem
 * (`democrats` / `democratic`, `earths` / `earth`).
 */
export function mentions(analysis: PromptAnalysis, name: string): boolean {
  if (analysis.words.has(name)) return true;
  const flat = name.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  if (flat.length >= 3 && analysis.flatText.includes(flat)) return true;
  if (flat.length >= 5) {
    const stem = flat.slice(0, 5);
    for (const w of analysis.words) if (w.length >= 5 && w.startsWith(stem)) return true;
  }
  return false;
}
