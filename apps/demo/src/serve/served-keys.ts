/** A map that forgets its oldest keys beyond `limit`; remembering a key again makes it newest. */
class BoundedMap<V> {
  readonly #map = new Map<string, V>();

  constructor(readonly limit: number) {}

  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.limit) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  delete(key: string): void {
    this.#map.delete(key);
  }
}

/**
 * Remembers which cache entry answered each completion id, so `POST /cache/feedback` can take
 * the id a client already has. Bounded: the oldest ids are forgotten first.
 */
export class ServedKeys {
  readonly #keys: BoundedMap<string>;

  /** Keeps at most `limit` ids. */
  constructor(limit = 10_000) {
    this.#keys = new BoundedMap(limit);
  }

  /** Records that completion `id` was answered from entry `key`. */
  remember(id: string, key: string): void {
    this.#keys.set(id, key);
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

/**
 * Which tenant each scope the service answered in belongs to. A scope is a hash of, among other
 * things, the tenant, so it cannot be inverted: the service records the owner when it answers
 * (and hands out `x-cache-scope`/`x-cache-key`), and later accepts a tenant's `DELETE /cache`
 * or feedback only for scopes recorded as its own. Bounded: the least recently answered scopes
 * are forgotten first (their owners then need the admin token to clear them).
 */
export class ScopeOwners {
  readonly #owners: BoundedMap<string>;

  /** Keeps at most `limit` scopes. */
  constructor(limit = 100_000) {
    this.#owners = new BoundedMap(limit);
  }

  /** Records that `scope` belongs to `tenant`. */
  remember(scope: string, tenant: string): void {
    this.#owners.set(scope, tenant);
  }

  /** True when `scope` was recorded as `tenant`'s. */
  owns(tenant: string, scope: string): boolean {
    return this.#owners.get(scope) === tenant;
  }
}
