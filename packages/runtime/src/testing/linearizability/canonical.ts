/**
 * A canonical string for plain data, used to compare record values in the table model: object keys
 * are sorted, so `{a: 1, b: 2}` and `{b: 2, a: 1}` give the same string.
 *
 * ```ts
 * canonicalValue({ b: [1, 'x'], a: null }) === canonicalValue({ a: null, b: [1, 'x'] }); // true
 * ```
 *
 * Covers what msgpack round-trips: null, undefined, booleans, numbers (including -0, NaN and
 * infinities), bigints, strings, arrays, byte arrays, dates, maps and plain objects. Other class
 * instances are compared by their own enumerable properties. Not for cyclic structures.
 */
export function canonicalValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return Object.is(value, -0) ? 'n-0' : `n${value}`;
    case 'bigint':
      return `b${value}`;
    case 'string':
      return JSON.stringify(value);
    case 'symbol':
    case 'function':
      return `?${String(value)}`;
    case 'object':
      return canonicalObject(value);
  }
}

function canonicalObject(value: object | null): string {
  if (value === null) return 'z';
  if (Array.isArray(value)) return `[${value.map(canonicalValue).join(',')}]`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return `x${Buffer.from(bytes).toString('hex')}`;
  }
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v]) => `${canonicalValue(k)}:${canonicalValue(v)}`);
    return `M{${entries.sort().join(',')}}`;
  }
  const keys = Object.keys(value).sort();
  const record = value as Record<string, unknown>;
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalValue(record[k])}`).join(',')}}`;
}
