/**
 * Where the etcd store keeps its records: one etcd key per record, `<prefix>t/<table>/<key>`, the
 * table name percent-encoded so that it never holds the `/` that ends it, the record key as is.
 * A table is then one etcd key range (`tableRange`), and the whole store another (`storeRange`),
 * which is what the change feed watches.
 *
 * ```ts
 * const k = recordKey('/superhero/', 'heroes', 'h-17'); // '/superhero/t/heroes/h-17'
 * parseRecordKey('/superhero/', k);                    // { table: 'heroes', key: 'h-17' }
 * ```
 *
 * Node liveness keys (`<prefix>n/<node>`, held under a lease) sit beside the tables, outside
 * `storeRange`.
 */

export interface KeyRange {
  readonly key: Buffer;
  /** Exclusive end: the range is every key k with `key <= k < rangeEnd`. */
  readonly rangeEnd: Buffer;
}

export function recordKey(prefix: string, table: string, key: string): Buffer {
  return Buffer.from(`${prefix}t/${encodeURIComponent(table)}/${key}`);
}

/** The table and key of an etcd key in `storeRange(prefix)`, or undefined for a foreign key. */
export function parseRecordKey(prefix: string, etcdKey: Buffer): { table: string; key: string } | undefined {
  const s = etcdKey.toString();
  const head = `${prefix}t/`;
  if (!s.startsWith(head)) return undefined;
  const slash = s.indexOf('/', head.length);
  if (slash < 0) return undefined;
  return { table: decodeURIComponent(s.slice(head.length, slash)), key: s.slice(slash + 1) };
}

export function tableRange(prefix: string, table: string): KeyRange {
  return prefixRange(`${prefix}t/${encodeURIComponent(table)}/`);
}

export function storeRange(prefix: string): KeyRange {
  return prefixRange(`${prefix}t/`);
}

export function livenessKey(prefix: string, node: string): Buffer {
  return Buffer.from(`${prefix}n/${node}`);
}

export function livenessRange(prefix: string): KeyRange {
  return prefixRange(`${prefix}n/`);
}

/** The range of every key starting with `p` (etcd's "prefix end": the last byte plus one). */
export function prefixRange(p: string): KeyRange {
  const key = Buffer.from(p);
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return { key, rangeEnd: end.subarray(0, i + 1) };
    }
  }
  return { key, rangeEnd: Buffer.from([0]) };
}
