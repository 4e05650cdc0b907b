import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small wire-level stand-in for the parts of Qdrant's REST API the adapter calls, for tests
 * only. It validates request shapes, answers with Qdrant's JSON envelope
 * (`{"result":...,"status":"ok","time":...}` / `{"status":{"error":"..."},"time":...}`) and
 * Qdrant's status codes (404 missing collection, 400 wrong vector size, 409 existing collection).
 */

interface Point {
  vector: Float32Array;
  payload: Record<string, unknown>;
}

interface Collection {
  size: number;
  distance: string;
  points: Map<string | number, Point>;
  payloadSchema: Record<string, { data_type: string; params?: unknown; points: number }>;
}

/** One request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Filter = { must?: unknown; should?: unknown; must_not?: unknown; min_should?: unknown };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A running fake; `url` points at it. */
export class FakeQdrant {
  readonly collections = new Map<string, Collection>();
  readonly requests: RecordedRequest[] = [];
  #failures: Array<{ status: number; body: string; headers?: Record<string, string> }> = [];
  #server: Server;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Starts a fake on a random loopback port. */
  static async start(): Promise<FakeQdrant> {
    const fake = new FakeQdrant();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The next request is answered with `status` and this raw body instead of being served. */
  failNext(status: number, body: string, headers?: Record<string, string>): void {
    this.#failures.push({ status, body, ...(headers ? { headers } : {}) });
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown) => {
      const time = Number(process.hrtime.bigint() - started) / 1e9;
      const envelope =
        status < 300 ? { result: body, status: 'ok', time } : { status: { error: body }, time };
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(envelope));
    };
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined;
    } catch (error) {
      send(400, `Format error in JSON body: ${(error as Error).message}`);
      return;
    }
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body });
    const failure = this.#failures.shift();
    if (failure) {
      res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
      res.end(failure.body);
      return;
    }
    try {
      send(200, this.#route(method, url, body));
    } catch (error) {
      if (error instanceof HttpError) send(error.status, error.message);
      else send(500, `Service internal error: ${(error as Error).message}`);
    }
  }

  #route(method: string, url: URL, body: unknown): unknown {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const wait = url.searchParams.get('wait');
    if (wait !== null && wait !== 'true' && wait !== 'false') {
      throw new HttpError(400, `Query deserialize error: invalid value ${wait} for wait`);
    }
    if (parts.length === 0 && method === 'GET')
      return { title: 'qdrant - fake', version: '1.15.1' };
    if (parts[0] !== 'collections' || parts.length < 2) {
      throw new HttpError(404, `Not found: ${url.pathname}`);
    }
    const name = parts[1] as string;
    const rest = parts.slice(2).join('/');
    const route = `${method} ${rest}`;
    if (route === 'GET ') return this.#info(this.#collection(name));
    if (route === 'GET exists') return { exists: this.collections.has(name) };
    if (route === 'PUT ') return this.#create(name, body);
    if (route === 'DELETE ') return this.collections.delete(name);
    const collection = this.#collection(name);
    if (route === 'PUT index') return this.#index(collection, body);
    if (route === 'PUT points') return this.#upsert(collection, body);
    if (route === 'POST points/query') return this.#query(collection, body);
    if (route === 'POST points/delete') return this.#delete(collection, body);
    throw new HttpError(404, `Not found: ${method} ${url.pathname} is not served by the fake`);
  }

  #collection(name: string): Collection {
    const collection = this.collections.get(name);
    if (!collection) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return collection;
  }

  #info(c: Collection): unknown {
    return {
      status: 'green',
      optimizer_status: 'ok',
      points_count: c.points.size,
      segments_count: 1,
      config: {
        params: { vectors: { size: c.size, distance: c.distance }, shard_number: 1 },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
      },
      payload_schema: c.payloadSchema,
    };
  }

  #create(name: string, body: unknown): boolean {
    const vectors = (body as { vectors?: { size?: unknown; distance?: unknown } })?.vectors;
    if (!vectors || typeof vectors !== 'object') {
      throw new HttpError(400, 'Format error in JSON body: missing field `vectors`');
    }
    const { size, distance } = vectors;
    if (!Number.isInteger(size) || (size as number) < 1) {
      throw new HttpError(
        400,
        'Validation error in JSON body: [vectors.size: value 0 invalid, must be 1 or larger]',
      );
    }
    if (!['Cosine', 'Dot', 'Euclid', 'Manhattan'].includes(distance as string)) {
      throw new HttpError(
        400,
        `Format error in JSON body: unknown variant \`${String(distance)}\``,
      );
    }
    if (this.collections.has(name)) {
      throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
    }
    this.collections.set(name, {
      size: size as number,
      distance: distance as string,
      points: new Map(),
      payloadSchema: {},
    });
    return true;
  }

  #index(c: Collection, body: unknown): unknown {
    const { field_name, field_schema } = (body ?? {}) as {
      field_name?: unknown;
      field_schema?: unknown;
    };
    if (typeof field_name !== 'string' || field_name.length === 0) {
      throw new HttpError(400, 'Format error in JSON body: missing field `field_name`');
    }
    const type =
      typeof field_schema === 'string'
        ? field_schema
        : (field_schema as { type?: unknown } | undefined)?.type;
    const known = ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid'];
    if (typeof type !== 'string' || !known.includes(type)) {
      throw new HttpError(
        400,
        'Format error in JSON body: data did not match any variant of untagged enum PayloadFieldSchema',
      );
    }
    c.payloadSchema[field_name] = {
      data_type: type,
      ...(typeof field_schema === 'object' ? { params: field_schema } : {}),
      points: 0,
    };
    return { operation_id: 1, status: 'completed' };
  }

  #upsert(c: Collection, body: unknown): unknown {
    const points = (body as { points?: unknown })?.points;
    if (!Array.isArray(points))
      throw new HttpError(400, 'Format error in JSON body: missing field `points`');
    const staged: Array<[string | number, Point]> = [];
    for (const point of points as Array<{ id?: unknown; vector?: unknown; payload?: unknown }>) {
      const id = pointId(point.id);
      const vector = point.vector;
      if (!Array.isArray(vector) || vector.some((x) => typeof x !== 'number')) {
        throw new HttpError(
          400,
          'Format error in JSON body: data did not match any variant of untagged enum VectorStruct',
        );
      }
      if (vector.length !== c.size) {
        throw new HttpError(
          400,
          `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${vector.length}`,
        );
      }
      const payload = point.payload ?? {};
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new HttpError(400, 'Format error in JSON body: payload must be an object');
      }
      staged.push([
        id,
        {
          vector: stored(vector as number[], c.distance),
          payload: payload as Record<string, unknown>,
        },
      ]);
    }
    for (const [id, point] of staged) c.points.set(id, point);
    return { operation_id: 1, status: 'completed' };
  }

  #query(c: Collection, body: unknown): unknown {
    const b = (body ?? {}) as Record<string, unknown>;
    const query = b.query;
    if (!Array.isArray(query) || query.some((x) => typeof x !== 'number')) {
      throw new HttpError(
        400,
        'Format error in JSON body: data did not match any variant of untagged enum QueryInterface',
      );
    }
    if (query.length !== c.size) {
      throw new HttpError(
        400,
        `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${query.length}`,
      );
    }
    const limit = b.limit ?? 10;
    if (!Number.isInteger(limit) || (limit as number) < 1) {
      throw new HttpError(
        400,
        'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]',
      );
    }
    const threshold = b.score_threshold;
    if (threshold !== undefined && threshold !== null && typeof threshold !== 'number') {
      throw new HttpError(400, 'Format error in JSON body: invalid type for `score_threshold`');
    }
    const q = stored(query as number[], c.distance);
    const hits: Array<{
      id: string | number;
      version: number;
      score: number;
      payload?: unknown;
      vector?: number[];
    }> = [];
    for (const [id, point] of c.points) {
      if (
        b.filter !== undefined &&
        b.filter !== null &&
        !matchesFilter(b.filter as Filter, id, point.payload)
      )
        continue;
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += (q[i] as number) * (point.vector[i] as number);
      const score = Math.fround(dot);
      if (typeof threshold === 'number' && score < threshold) continue;
      hits.push({
        id,
        version: 0,
        score,
        ...(b.with_payload ? { payload: selectPayload(point.payload, b.with_payload) } : {}),
        ...(b.with_vector === true ? { vector: Array.from(point.vector) } : {}),
      });
    }
    hits.sort((x, y) => y.score - x.score);
    return { points: hits.slice(0, limit as number) };
  }

  #delete(c: Collection, body: unknown): unknown {
    const b = (body ?? {}) as { points?: unknown; filter?: unknown };
    if (Array.isArray(b.points)) {
      for (const id of b.points) c.points.delete(pointId(id));
    } else if (b.filter && typeof b.filter === 'object') {
      for (const [id, point] of c.points) {
        if (matchesFilter(b.filter as Filter, id, point.payload)) c.points.delete(id);
      }
    } else {
      throw new HttpError(
        400,
        'Format error in JSON body: data did not match any variant of untagged enum PointsSelector',
      );
    }
    return { operation_id: 1, status: 'completed' };
  }
}

function pointId(id: unknown): string | number {
  if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return id;
  if (typeof id === 'string' && UUID.test(id)) return id.toLowerCase();
  throw new HttpError(
    400,
    `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
}

/** Qdrant normalises vectors of Cosine collections on write and stores float32. */
function stored(values: number[], distance: string): Float32Array {
  const out = Float32Array.from(values);
  if (distance !== 'Cosine') return out;
  let sum = 0;
  for (const x of out) sum += x * x;
  const n = Math.sqrt(sum);
  if (n > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / n;
  return out;
}

function selectPayload(payload: Record<string, unknown>, selector: unknown): unknown {
  if (selector === true) return payload;
  if (Array.isArray(selector)) {
    return Object.fromEntries(Object.entries(payload).filter(([k]) => selector.includes(k)));
  }
  throw new HttpError(400, 'Format error in JSON body: unsupported with_payload selector');
}

function matchesFilter(
  filter: Filter,
  id: string | number,
  payload: Record<string, unknown>,
): boolean {
  const list = (value: unknown, field: string): unknown[] => {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    if (typeof value === 'object') return [value];
    throw new HttpError(400, `Format error in JSON body: invalid \`${field}\``);
  };
  const must = list(filter.must, 'must');
  const mustNot = list(filter.must_not, 'must_not');
  const should = list(filter.should, 'should');
  if (!must.every((c) => matchesCondition(c, id, payload))) return false;
  if (mustNot.some((c) => matchesCondition(c, id, payload))) return false;
  if (should.length > 0 && !should.some((c) => matchesCondition(c, id, payload))) return false;
  return true;
}

function matchesCondition(
  condition: unknown,
  id: string | number,
  payload: Record<string, unknown>,
): boolean {
  const c = condition as Record<string, unknown>;
  if ('must' in c || 'should' in c || 'must_not' in c)
    return matchesFilter(c as Filter, id, payload);
  if ('has_id' in c && Array.isArray(c.has_id)) return c.has_id.map(pointId).includes(id);
  if ('is_empty' in c) {
    const value = payload[(c.is_empty as { key: string }).key];
    return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
  }
  if ('is_null' in c) return payload[(c.is_null as { key: string }).key] === null;
  if (typeof c.key === 'string') {
    const value = payload[c.key];
    const values = Array.isArray(value) ? value : [value];
    if (c.match && typeof c.match === 'object' && 'value' in c.match) {
      return values.includes((c.match as { value: unknown }).value);
    }
    if (c.range && typeof c.range === 'object') {
      const r = c.range as { lt?: number; lte?: number; gt?: number; gte?: number };
      return values.some(
        (v) =>
          typeof v === 'number' &&
          (r.lt === undefined || v < r.lt) &&
          (r.lte === undefined || v <= r.lte) &&
          (r.gt === undefined || v > r.gt) &&
          (r.gte === undefined || v >= r.gte),
      );
    }
  }
  throw new HttpError(
    400,
    'Format error in JSON body: data did not match any variant of untagged enum Condition',
  );
}
