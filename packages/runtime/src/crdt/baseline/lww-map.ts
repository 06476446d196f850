/**
 * The seeds' replicated map, kept as a baseline to measure against: a whole-map last-writer-wins
 * merge on wall-clock timestamps in whole seconds, with a grow-only tombstone set.
 *
 * Merge of `a` with `b`, per key present in both: keep `a`'s record if its timestamp is strictly
 * greater, otherwise `b`'s — a tie goes to the second argument, so the merge is not commutative
 * on ties. Tombstones are unioned and any record with a tombstone is dropped. There is no version
 * vector, no node id and no tie-break; clock skew decides concurrent (and sequential!) writes.
 *
 * Example:
 * ```ts
 * const a = new BaselineMap<Hero>();
 * a.put('h1', hero, wallMs);      // stamped with Math.floor(wallMs / 1000)
 * a.merge(b.toData());            // tie goes to b
 * ```
 *
 * API: `BaselineMap` (`put`, `delete`, `get`, `entries`, `size`, `tombstoneCount`, `merge`,
 * `toData`, `fromData`), `mergeBaseline(a, b)`, `BaselineData`, `BaselineRecord`.
 *
 * When not to use: anywhere real. It exists so benchmarks can show what the delta-state map
 * fixes: traffic proportional to the state, tombstones that never go, lost and swapped writes.
 */

export interface BaselineRecord<V> {
  readonly value: V;
  /** Whole seconds of the writer's wall clock. */
  readonly updatedAt: number;
}

/** Plain data, as gossiped: every record and every tombstone. */
export interface BaselineData<V> {
  readonly records: readonly (readonly [string, BaselineRecord<V>])[];
  readonly tombstones: readonly string[];
}

/** The seeds' converge function: `b` wins ties; tombstones drop records. */
export function mergeBaseline<V>(a: BaselineData<V>, b: BaselineData<V>): BaselineData<V> {
  const records = new Map<string, BaselineRecord<V>>(a.records);
  for (const [key, rb] of b.records) {
    const ra = records.get(key);
    records.set(key, ra !== undefined && ra.updatedAt > rb.updatedAt ? ra : rb);
  }
  const tombstones = new Set<string>([...a.tombstones, ...b.tombstones]);
  for (const key of tombstones) records.delete(key);
  return { records: [...records], tombstones: [...tombstones] };
}

export class BaselineMap<V> {
  #records = new Map<string, BaselineRecord<V>>();
  #tombstones = new Set<string>();

  put(key: string, value: V, wallMs: number): void {
    this.#records.set(key, { value, updatedAt: Math.floor(wallMs / 1000) });
  }

  delete(key: string): void {
    this.#records.delete(key);
    this.#tombstones.add(key);
  }

  get(key: string): V | undefined {
    return this.#tombstones.has(key) ? undefined : this.#records.get(key)?.value;
  }

  record(key: string): BaselineRecord<V> | undefined {
    return this.#tombstones.has(key) ? undefined : this.#records.get(key);
  }

  isTombstoned(key: string): boolean {
    return this.#tombstones.has(key);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [key, r] of this.#records) if (!this.#tombstones.has(key)) yield [key, r.value];
  }

  get size(): number {
    let n = 0;
    for (const key of this.#records.keys()) if (!this.#tombstones.has(key)) n++;
    return n;
  }

  get tombstoneCount(): number {
    return this.#tombstones.size;
  }

  /** Replace our data with `merge(ours, incoming)`, as a City does on `update_superheroes`. */
  merge(incoming: BaselineData<V>): void {
    const merged = mergeBaseline(this.toData(), incoming);
    this.#records = new Map(merged.records);
    this.#tombstones = new Set(merged.tombstones);
  }

  toData(): BaselineData<V> {
    return { records: [...this.#records], tombstones: [...this.#tombstones] };
  }

  static fromData<V>(data: BaselineData<V>): BaselineMap<V> {
    const map = new BaselineMap<V>();
    map.merge(data);
    return map;
  }
}
