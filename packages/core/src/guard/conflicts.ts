import { ANTONYM_PAIRS, DIRECTION_MARKERS } from './lexicon.js';
import type { AnalyzedToken, PromptAnalysis } from './prompt-analysis.js';

/** The kinds of disagreement that make two prompts different questions. */
export type ConflictKind = 'number' | 'entity' | 'negation' | 'antonym' | 'direction' | 'time';

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
 * on one side only, antonyms, reversed direction, different times. Empty when none is found.
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
  timeConflict(a, b, conflicts);
  return conflicts;
}

function numberConflict(a: PromptAnalysis, b: PromptAnalysis, out: Conflict[]): void {
  if (a.numbers.length === 0 || b.numbers.length === 0) return;
  const sa = [...a.numbers].sort().join(', ');
  const sb = [...b.numbers].sort().join(', ');
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
