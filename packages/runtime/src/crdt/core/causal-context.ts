/**
 * Causal context: the exact set of dots a replica has seen, compressed as a version vector (every
 * seq up to `vv[r]` of replica `r`) plus a dot cloud (seen seqs above a gap). Gaps are normal
 * while deltas arrive out of order; they close when the missing dots arrive.
 *
 * Example:
 * ```ts
 * const ctx = new CausalContext();
 * ctx.add('a#1', 1); ctx.add('a#1', 3);   // vv {a#1: 1}, cloud {a#1: [3]}
 * ctx.has('a#1', 2);                      // false
 * ctx.add('a#1', 2);                      // compacts: vv {a#1: 3}
 * ```
 *
 * API: `CausalContext` (`has`, `add`, `max`, `join`, `joinWire`, `retire`, `isRetired`, `retiredReplicas`,
 * `replicas`, `cloudOf`, `toWire`, `fromWire`, `clone`, `hash`, `equals`), `WireContext`.
 *
 * Retired replicas (pruned after they left the cluster, see `prune.ts`) are covered forever: `has`
 * answers true for their dots, so nothing they wrote can come back, and they no longer appear in
 * the vector or on the wire.
 *
 * When not to use: the context describes what a replica has seen; never ship a whole context with
 * a subset of the keys as if it described only those keys (delta_crdt_ex #65).
 */
import type { ReplicaId } from './replica-id.ts';
import { addHash, hash64, ZERO_HASH, type Hash64 } from './hash.ts';
import { CrdtMessageError } from './errors.ts';

/** Plain-data form, sorted by replica id so equal contexts encode equally. */
export interface WireContext {
  readonly vv: readonly (readonly [ReplicaId, number])[];
  readonly cloud: readonly (readonly [ReplicaId, readonly number[]])[];
}

export class CausalContext {
  readonly #vv = new Map<ReplicaId, number>();
  readonly #cloud = new Map<ReplicaId, Set<number>>();
  readonly #retired = new Set<ReplicaId>();

  has(rep: ReplicaId, seq: number): boolean {
    if (seq <= (this.#vv.get(rep) ?? 0)) return true;
    if (this.#retired.has(rep)) return true;
    return this.#cloud.get(rep)?.has(seq) ?? false;
  }

  /** Add one dot; true when it was not seen before. */
  add(rep: ReplicaId, seq: number): boolean {
    if (this.has(rep, seq)) return false;
    const top = this.#vv.get(rep) ?? 0;
    if (seq === top + 1) {
      let next = seq;
      const cloud = this.#cloud.get(rep);
      if (cloud !== undefined) {
        while (cloud.delete(next + 1)) next += 1;
        if (cloud.size === 0) this.#cloud.delete(rep);
      }
      this.#vv.set(rep, next);
    } else {
      let cloud = this.#cloud.get(rep);
      if (cloud === undefined) this.#cloud.set(rep, (cloud = new Set()));
      cloud.add(seq);
    }
    return true;
  }

  /** Highest seq of `rep` below the first gap (0 when none seen). */
  max(rep: ReplicaId): number {
    return this.#vv.get(rep) ?? 0;
  }

  cloudOf(rep: ReplicaId): readonly number[] {
    const cloud = this.#cloud.get(rep);
    return cloud === undefined ? [] : [...cloud].sort((a, b) => a - b);
  }

  join(other: CausalContext): void {
    this.joinWire(other.toWire());
  }

  joinWire(wire: WireContext): void {
    for (const [rep, top] of wire.vv) {
      if (this.#retired.has(rep) || top <= (this.#vv.get(rep) ?? 0)) continue;
      this.#vv.set(rep, top);
      const cloud = this.#cloud.get(rep);
      if (cloud !== undefined) {
        for (const seq of cloud) if (seq <= top) cloud.delete(seq);
        let next = top;
        while (cloud.delete(next + 1)) next += 1;
        this.#vv.set(rep, next);
        if (cloud.size === 0) this.#cloud.delete(rep);
      }
    }
    for (const [rep, seqs] of wire.cloud) for (const seq of seqs) this.add(rep, seq);
  }

  /** Cover every dot of `rep`, forever, and drop it from the vector. */
  retire(rep: ReplicaId): void {
    this.#retired.add(rep);
    this.#vv.delete(rep);
    this.#cloud.delete(rep);
  }

  isRetired(rep: ReplicaId): boolean {
    return this.#retired.has(rep);
  }

  /** Retired replicas, sorted (kept by durable replicas: the markers never go on the wire). */
  retiredReplicas(): ReplicaId[] {
    return [...this.#retired].sort();
  }

  /** Replicas with at least one seen dot (not retired), sorted. */
  replicas(): ReplicaId[] {
    const all = new Set<ReplicaId>([...this.#vv.keys(), ...this.#cloud.keys()]);
    return [...all].sort();
  }

  toWire(): WireContext {
    const vv: (readonly [ReplicaId, number])[] = [];
    const cloud: (readonly [ReplicaId, readonly number[]])[] = [];
    for (const rep of this.replicas()) {
      const top = this.#vv.get(rep);
      if (top !== undefined) vv.push([rep, top]);
      if (this.#cloud.has(rep)) cloud.push([rep, this.cloudOf(rep)]);
    }
    return { vv, cloud };
  }

  static fromWire(wire: WireContext): CausalContext {
    const ctx = new CausalContext();
    ctx.joinWire(wire);
    return ctx;
  }

  clone(): CausalContext {
    const copy = CausalContext.fromWire(this.toWire());
    for (const rep of this.#retired) copy.#retired.add(rep);
    return copy;
  }

  /** Order-independent digest of the seen dots (retired replicas excluded). */
  hash(): Hash64 {
    let h: Hash64 = ZERO_HASH;
    for (const [rep, top] of this.#vv) h = addHash(h, hash64(`${rep}\u0000${top}`));
    for (const [rep, seqs] of this.#cloud)
      for (const seq of seqs) h = addHash(h, hash64(`${rep}\u0001${seq}`));
    return h;
  }

  /** Same seen dots (ignores retirement markers). */
  equals(other: CausalContext): boolean {
    return JSON.stringify(this.toWire()) === JSON.stringify(other.toWire());
  }
}

/** Checks the shape of a decoded `WireContext`; throws `CrdtMessageError`. */
export function assertWireContext(value: unknown, where: string): asserts value is WireContext {
  const bad = (what: string): never => {
    throw new CrdtMessageError(`${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null) bad('context must be an object');
  const { vv, cloud } = value as { vv?: unknown; cloud?: unknown };
  if (!Array.isArray(vv) || !Array.isArray(cloud)) bad('context needs vv and cloud arrays');
  for (const pair of vv as unknown[]) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !isSeq(pair[1])) bad('bad vv entry');
  }
  for (const pair of cloud as unknown[]) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !Array.isArray(pair[1]))
      bad('bad cloud entry');
    for (const seq of (pair as unknown[][])[1] as unknown[]) if (!isSeq(seq)) bad('bad cloud seq');
  }
}

export function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}
