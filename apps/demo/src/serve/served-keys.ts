/**
 * Remembers which cache entry answered each completion id, so `POST /cache/feedback` can take
 * the id a client already has. Bounded: the oldest ids are forgotten first.
 */
export class ServedKeys {
  readonly #keys = new Map<string, string>();
  readonly #limit: number;

  /** Keeps at most `limit` ids. */
  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** Records that completion `id` was answered from entry `key`. */
  remember(id: string, key: string): void {
    this.#keys.set(id, key);
    if (this.#keys.size > this.#limit) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
  }

  /** The entry key that answered `id`, if still remembered. */
  lookup(id: string): string | undefined {
    return this.#keys.get(id);
  }

  /** Forgets `id`. */
  forget(id: string): void {
    this.#keys.delete(id);
  }
}
