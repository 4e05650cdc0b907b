const VACANT = -1;

/**
 * Bucket heads for keys too wide for a direct array (`planes` > 16): an open-addressing hash
 * table from a 32-bit bucket key to the first slot of its list, with linear probing,
 * Fibonacci hashing and backward-shift deletion (no tombstones), kept at most half full.
 */
export class HeadTable {
  private keys: Uint32Array;
  private heads: Int32Array;
  private mask: number;
  private shift: number;
  private count = 0;

  /** An empty table with room for `expected` buckets before it grows. */
  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.heads = new Int32Array(capacity).fill(VACANT);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  /** Number of non-empty buckets. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the table's arrays. */
  get byteLength(): number {
    return this.keys.byteLength + this.heads.byteLength;
  }

  /** Bytes a `set` of a new bucket would add now (the table doubles when half full), else 0. */
  get growthBytes(): number {
    return (this.count + 1) * 2 > this.heads.length ? this.byteLength : 0;
  }

  /** Calls `fn` with every non-empty bucket and its head slot. */
  forEach(fn: (key: number, head: number) => void): void {
    for (let i = 0; i < this.heads.length; i++) {
      const head = this.heads[i] as number;
      if (head !== VACANT) fn(this.keys[i] as number, head);
    }
  }

  /** The head slot of bucket `key`, or -1 when the bucket is empty. */
  get(key: number): number {
    const keys = this.keys;
    const heads = this.heads;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const head = heads[i] as number;
      if (head === VACANT || keys[i] === key) return head;
      i = (i + 1) & this.mask;
    }
  }

  /** Sets the head of bucket `key`; -1 removes the bucket. */
  set(key: number, head: number): void {
    if (head === VACANT) {
      this.remove(key);
      return;
    }
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const current = this.heads[i] as number;
      if (current === VACANT) {
        this.keys[i] = key;
        this.heads[i] = head;
        this.count++;
        if (this.count * 2 > this.heads.length) this.grow();
        return;
      }
      if (this.keys[i] === key) {
        this.heads[i] = head;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Removes every bucket. */
  clear(): void {
    this.heads.fill(VACANT);
    this.count = 0;
  }

  private remove(key: number): void {
    const keys = this.keys;
    const heads = this.heads;
    const mask = this.mask;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      if (heads[i] === VACANT) return;
      if (keys[i] === key) break;
      i = (i + 1) & mask;
    }
    this.count--;
    // Backward-shift: pull later members of the probe run into the hole so lookups stay correct.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (heads[j] === VACANT) break;
      const home = Math.imul(keys[j] as number, 0x9e3779b1) >>> this.shift;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (movable) {
        keys[hole] = keys[j] as number;
        heads[hole] = heads[j] as number;
        hole = j;
      }
    }
    heads[hole] = VACANT;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldHeads = this.heads;
    const capacity = oldHeads.length * 2;
    this.keys = new Uint32Array(capacity);
    this.heads = new Int32Array(capacity).fill(VACANT);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.count = 0;
    for (let i = 0; i < oldHeads.length; i++) {
      const head = oldHeads[i] as number;
      if (head !== VACANT) this.set(oldKeys[i] as number, head);
    }
  }
}
