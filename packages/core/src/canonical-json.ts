import { InvalidRequestError } from './errors.js';

/**
 * JSON with object keys sorted at every depth and `undefined` members left out, so two values
 * that mean the same thing serialize to the same string whatever their key order.
 */
export function canonicalJson(value: unknown): string {
  return write(value, undefined);
}

/** `seen`: the objects being written (a cycle check), made at the first object met. */
function write(value: unknown, seen: Set<object> | undefined): string {
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
      seen ??= new Set();
      if (seen.has(value)) {
        throw new InvalidRequestError(
          'request parameters hold a circular reference; pass plain JSON values.',
        );
      }
      seen.add(value);
      // Plain concatenation rather than map/filter/join: this runs on every request.
      let out: string;
      if (Array.isArray(value)) {
        out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          // A hole of a sparse array joins as nothing, as Array.prototype.map/join left it.
          if (item !== undefined) out += write(item, seen);
          else if (i in value) out += 'null';
        }
        out += ']';
      } else {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record).sort();
        out = '{';
        let first = true;
        for (const k of keys) {
          const member = record[k];
          if (member === undefined) continue;
          out += `${first ? '' : ','}${JSON.stringify(k)}:${write(member, seen)}`;
          first = false;
        }
        out += '}';
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
