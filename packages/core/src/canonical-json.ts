import { InvalidRequestError } from './errors.js';

/**
 * JSON with object keys sorted at every depth and `undefined` members left out, so two values
 * that mean the same thing serialize to the same string whatever their key order.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new InvalidRequestError(
          `cannot hash the number ${value}: request parameters must hold finite numbers.`,
        );
      }
      return JSON.stringify(value);
    case 'object': {
      if (seen.has(value)) {
        throw new InvalidRequestError(
          'request parameters hold a circular reference; pass plain JSON values.',
        );
      }
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((item) => (item === undefined ? 'null' : write(item, seen))).join(',')}]`;
      } else {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record)
          .filter((k) => record[k] !== undefined)
          .sort();
        out = `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], seen)}`).join(',')}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      throw new InvalidRequestError(
        `cannot hash a ${typeof value} in request parameters; pass plain JSON values (strings, numbers, booleans, arrays, objects).`,
      );
  }
}
