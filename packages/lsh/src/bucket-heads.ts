import { HeadTable } from './head-table.js';

const EMPTY = -1;
/** Widest key a direct array is allowed for (2^24 heads, 64 MiB). */
const DIRECT_MAX_PLANES = 24;

/**
 * The first slot of every non-empty bucket of one table. Starts as a hash table sized by the
 * buckets in use, so an empty or small store does not pay for 2^planes heads; switches to a
 * direct array of 2^planes heads when that is no larger than the hash table would grow to (at
 * 16 planes, past about 16k buckets in use), which is cheaper to read and never bigger.
 */
export class BucketHeads {
  private readonly planes: number;
  private readonly directBytes: number;
  private hashed: HeadTable | undefined;
  private direct: Int32Array | undefined;

  /** Empty heads for keys of `planes` bits. */
  constructor(planes: number) {
    this.planes = planes;
    this.directBytes = planes <= DIRECT_MAX_PLANES ? 4 * 2 ** planes : Number.POSITIVE_INFINITY;
    this.hashed = new HeadTable(8);
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.direct ? this.direct.byteLength : (this.hashed as HeadTable).byteLength;
  }

  /** At most the bytes a `set` of a new bucket can add now. */
  get growthBytes(): number {
    if (this.direct) return 0;
    const table = this.hashed as HeadTable;
    const grow = table.growthBytes;
    if (grow === 0) return 0;
    return Math.min(grow, Math.max(0, this.directBytes - table.byteLength));
  }

  /** The head slot of `bucket`, or -1 when it is empty. */
  get(bucket: number): number {
    if (this.direct) return this.direct[bucket] as number;
    return (this.hashed as HeadTable).get(bucket);
  }

  /** Sets the head of `bucket`; -1 empties it. */
  set(bucket: number, slot: number): void {
    if (this.direct) {
      this.direct[bucket] = slot;
      return;
    }
    const table = this.hashed as HeadTable;
    if (slot !== EMPTY && table.growthBytes > 0 && this.directBytes <= 2 * table.byteLength) {
      if (table.get(bucket) === EMPTY) {
        const direct = new Int32Array(2 ** this.planes).fill(EMPTY);
        table.forEach((key, head) => {
          direct[key] = head;
        });
        direct[bucket] = slot;
        this.direct = direct;
        this.hashed = undefined;
        return;
      }
    }
    table.set(bucket, slot);
  }
}
