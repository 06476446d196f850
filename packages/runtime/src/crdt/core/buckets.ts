/**
 * Bucketed set hashes of a map's entries, maintained incrementally: keys fall into `count`
 * buckets by key hash; each bucket's hash is the sum (per 32-bit lane) of its entries' hashes.
 * Two replicas compare bucket vectors to find the few buckets that differ and exchange only
 * those, instead of the whole state.
 *
 * Example:
 * ```ts
 * const b = new BucketHashes(256);
 * b.add('hero-1', 'a#1', 7);            // an entry appeared
 * b.remove('hero-1', 'a#1', 7);         // ... and left
 * b.diff(peerBytes);                    // indexes of buckets that differ
 * ```
 *
 * API: `BucketHashes` (`count`, `bucketOf`, `add`, `remove`, `total`, `toBytes`, `diff`,
 * `bucketHash`), `DEFAULT_BUCKETS`.
 *
 * An entry is identified by key and dot: a dot is issued once, so it determines the value.
 *
 * When not to use: for per-key diffs of huge maps a Merkle tree descends in fewer bytes; at the
 * sizes here (≤ 100k keys) one level of 256 buckets costs 2 KiB per comparison and one round trip.
 */
import { CrdtOptionError, CrdtProtocolError } from './errors.ts';
import { hash32, type Hash64 } from './hash.ts';
import type { ReplicaId } from './replica-id.ts';

/** 256 buckets: a 2 KiB hash vector; with 10k keys a differing bucket holds ~40 keys. */
export const DEFAULT_BUCKETS = 256;

const BUCKET_SEED = 0x2545f491;
const ENTRY_SEED_A = 0x6a09e667;
const ENTRY_SEED_B = 0xbb67ae85;

export class BucketHashes {
  readonly count: number;
  readonly #lanes: Uint32Array;
  readonly #mask: number;
  #total0 = 0;
  #total1 = 0;

  constructor(count: number = DEFAULT_BUCKETS) {
    if (!Number.isInteger(count) || count < 1 || count > 65536 || (count & (count - 1)) !== 0) {
      throw new CrdtOptionError(`bucket count must be a power of two in 1..65536, got ${count}`);
    }
    this.count = count;
    this.#mask = count - 1;
    this.#lanes = new Uint32Array(count * 2);
  }

  bucketOf(key: string): number {
    return hash32(key, BUCKET_SEED) & this.#mask;
  }

  add(key: string, rep: ReplicaId, seq: number): void {
    this.#apply(key, rep, seq, 1);
  }

  remove(key: string, rep: ReplicaId, seq: number): void {
    this.#apply(key, rep, seq, -1);
  }

  #apply(key: string, rep: ReplicaId, seq: number, sign: 1 | -1): void {
    const text = `${key}\u0000${rep}\u0000${seq}`;
    const h0 = hash32(text, ENTRY_SEED_A) * sign;
    const h1 = hash32(text, ENTRY_SEED_B) * sign;
    const i = this.bucketOf(key) * 2;
    this.#lanes[i] = (this.#lanes[i] ?? 0) + h0;
    this.#lanes[i + 1] = (this.#lanes[i + 1] ?? 0) + h1;
    this.#total0 = (this.#total0 + h0) >>> 0;
    this.#total1 = (this.#total1 + h1) >>> 0;
  }

  /** Hash of the whole entry set. */
  total(): Hash64 {
    return [this.#total0, this.#total1];
  }

  bucketHash(bucket: number): Hash64 {
    return [this.#lanes[bucket * 2] ?? 0, this.#lanes[bucket * 2 + 1] ?? 0];
  }

  /** `count * 8` bytes: each bucket's two lanes, big-endian. */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(this.count * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < this.count * 2; i++) view.setUint32(i * 4, this.#lanes[i] ?? 0);
    return bytes;
  }

  /** Buckets whose hash differs from a peer's `toBytes()`; throws on another bucket count. */
  diff(peer: Uint8Array): number[] {
    if (peer.length !== this.count * 8) {
      throw new CrdtProtocolError(`peer sent ${peer.length / 8} bucket hashes, we use ${this.count}`);
    }
    const view = new DataView(peer.buffer, peer.byteOffset, peer.byteLength);
    const out: number[] = [];
    for (let b = 0; b < this.count; b++) {
      if (
        view.getUint32(b * 8) !== this.#lanes[b * 2] ||
        view.getUint32(b * 8 + 4) !== this.#lanes[b * 2 + 1]
      ) {
        out.push(b);
      }
    }
    return out;
  }
}
