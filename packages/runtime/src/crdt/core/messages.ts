/**
 * Replication messages between replicas: plain data (objects, arrays, strings, numbers, booleans,
 * `Uint8Array`) with a `type` discriminant, so a driver can MessagePack-encode them as they are.
 *
 * | type          | carries                                   | sent when                                  |
 * | ------------- | ----------------------------------------- | ------------------------------------------ |
 * | `summary`     | hash of delivered writes, hash of state   | each anti-entropy round (idle cost ~50 B)  |
 * | `digest`      | delivered writes (a context), state hash  | a summary differed; a peer came up         |
 * | `deltas`      | key deltas                                | eager push; catch-up from the delta log    |
 * | `hashRequest` | nothing                                   | the log cannot cover what the peer lacks   |
 * | `hashes`      | the sender's bucket hashes                | answer to `hashRequest`; a fresh replica   |
 * | `snapshot`    | entries of differing buckets + contexts   | answer to `hashes`, in chunks              |
 *
 * "Delivered writes" (`applied`) is the set of writes whose deltas a replica has joined in full;
 * it is what anti-entropy compares. The causal context (`ctx`, all dots seen) may be larger: it
 * also holds dots that later writes covered (see `entry.ts`).
 *
 * Example:
 * ```ts
 * const message = parseReplicaMessage(decodePayload(bytes)); // throws CrdtMessageError
 * replicator.step({ type: 'receive', from, message, nowMs });
 * ```
 *
 * API: the message interfaces, `ReplicaMessage<V>`, `parseReplicaMessage(value)`.
 *
 * Values (`V`) are opaque here; validate them where they are used.
 *
 * When not to use: these are for replicas of one map; application events go through pub/sub.
 */
import { assertWireContext, type WireContext } from './causal-context.ts';
import { checkWireDelta, checkWireKeyEntries, type WireKeyDelta, type WireKeyEntries } from './compact.ts';
import { CrdtMessageError } from './errors.ts';
import type { Hash64 } from './hash.ts';
import type { ReplicaId } from './replica-id.ts';

export interface SummaryMessage {
  readonly type: 'summary';
  readonly applied: Hash64;
  readonly state: Hash64;
}

export interface DigestMessage {
  readonly type: 'digest';
  readonly applied: WireContext;
  readonly state: Hash64;
  /** True for the answer to a digest: it must not be answered again. */
  readonly reply: boolean;
}

/** Key deltas in compact form (`compact.ts`): `unpackDeltas(m.reps, m.deltas)`. */
export interface DeltasMessage<V> {
  readonly type: 'deltas';
  readonly reps: readonly ReplicaId[];
  readonly deltas: readonly WireKeyDelta<V>[];
}

export interface HashRequestMessage {
  readonly type: 'hashRequest';
}

export interface HashesMessage {
  readonly type: 'hashes';
  /** `buckets × 8` bytes, see `BucketHashes.toBytes`. */
  readonly hashes: Uint8Array;
}

export interface SnapshotMessage<V> {
  readonly type: 'snapshot';
  /** Per-sender id of this snapshot; all its chunks share it and the same `ctx`. */
  readonly id: number;
  readonly index: number;
  readonly count: number;
  /** Buckets this chunk speaks for: local keys there that it omits were removed (if covered). */
  readonly buckets: readonly number[];
  /** Replica ids the entries refer to by index (`compact.ts`). */
  readonly reps: readonly ReplicaId[];
  readonly entries: readonly WireKeyEntries<V>[];
  /** The sender's whole causal context when the snapshot was cut. */
  readonly ctx: WireContext;
  /** The writes the sender had received in full when the snapshot was cut. */
  readonly applied: WireContext;
}

export type ReplicaMessage<V> =
  SummaryMessage | DigestMessage | DeltasMessage<V> | HashRequestMessage | HashesMessage | SnapshotMessage<V>;

/** Checks the shape of a decoded message; values stay `unknown`. Throws `CrdtMessageError`. */
export function parseReplicaMessage(value: unknown): ReplicaMessage<unknown> {
  if (typeof value !== 'object' || value === null) fail('message must be an object');
  const m = value as Record<string, unknown>;
  switch (m['type']) {
    case 'summary':
      if (!isHash(m['applied']) || !isHash(m['state'])) fail('summary needs applied and state hashes');
      return value as SummaryMessage;
    case 'digest':
      assertWireContext(m['applied'], 'digest');
      if (!isHash(m['state']) || typeof m['reply'] !== 'boolean') fail('digest needs state hash and reply');
      return value as DigestMessage;
    case 'deltas': {
      const reps = checkReps(m['reps']);
      if (!Array.isArray(m['deltas'])) fail('deltas needs an array');
      for (const d of m['deltas'] as unknown[]) {
        const problem = checkWireDelta(d, reps);
        if (problem !== undefined) fail(`deltas: ${problem}`);
      }
      return value as DeltasMessage<unknown>;
    }
    case 'hashRequest':
      return value as HashRequestMessage;
    case 'hashes':
      if (!(m['hashes'] instanceof Uint8Array)) fail('hashes needs bytes');
      return value as HashesMessage;
    case 'snapshot': {
      for (const f of ['id', 'index', 'count'] as const) {
        if (!Number.isSafeInteger(m[f]) || (m[f] as number) < 0) fail(`snapshot.${f} must be an integer`);
      }
      if ((m['index'] as number) >= (m['count'] as number)) fail('snapshot.index must be < count');
      if (
        !Array.isArray(m['buckets']) ||
        !(m['buckets'] as unknown[]).every((b) => Number.isSafeInteger(b))
      ) {
        fail('snapshot.buckets must be integers');
      }
      const reps = checkReps(m['reps']);
      if (!Array.isArray(m['entries'])) fail('snapshot.entries must be an array');
      for (const pair of m['entries'] as unknown[]) {
        const problem = checkWireKeyEntries(pair, reps);
        if (problem !== undefined) fail(`snapshot: ${problem}`);
      }
      assertWireContext(m['ctx'], 'snapshot');
      assertWireContext(m['applied'], 'snapshot');
      return value as SnapshotMessage<unknown>;
    }
    default:
      return fail(`unknown message type ${JSON.stringify(m['type'])}`);
  }
}

function fail(message: string): never {
  throw new CrdtMessageError(message);
}

function isHash(value: unknown): value is Hash64 {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32)
  );
}

function checkReps(value: unknown): number {
  if (!Array.isArray(value) || !value.every((r) => typeof r === 'string'))
    fail('reps must be a list of replica ids');
  return (value as unknown[]).length;
}
