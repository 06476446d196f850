/**
 * Wire form of the CRDT driver's messages on `ClusterMessageType.Crdt`: every replication message
 * of the core as a positional tuple with a one-byte tag, plus the driver's own `hello`. Field names
 * are not sent, which saves about 25 B per message (a third of an idle anti-entropy round).
 *
 * | tag | message       | tuple                                                           |
 * | --: | ------------- | --------------------------------------------------------------- |
 * |   0 | `summary`     | `[0, applied, state]`                                           |
 * |   1 | `digest`      | `[1, applied, state, reply]`                                    |
 * |   2 | `deltas`      | `[2, reps, deltas]`                                             |
 * |   3 | `hashRequest` | `[3]`                                                           |
 * |   4 | `hashes`      | `[4, hashes]`                                                   |
 * |   5 | `snapshot`    | `[5, to, id, index, count, buckets, reps, entries, ctx, applied]` |
 * |   6 | `hello`       | `[6, id, known]`                                                |
 * |   7 | `ack`         | `[7, to, seqs]`                                                 |
 *
 * Tags are ONLY APPENDED, never renumbered or reused.
 *
 * A snapshot chunk also names the replica it was cut for (`to`): a chunk that reaches a replica
 * restarted since (same node, new id) must not count as its refill, because it holds only the
 * buckets in which the old replica differed. Other messages are safe for any replica of the node.
 *
 * Replica ids in the `reps` tables of `deltas` and `snapshot` are shortened when they belong to
 * one of the two ends, whose node names both sides know from the connection: `#<incarnation>` is
 * a replica of the sending node, `##<incarnation>` one of the receiving node. A push then carries
 * its writer's id in 14 bytes instead of 35 (`gotham@127.0.0.1:4370#1732242342123`). A real id
 * never starts with `#` (its node name is not empty), and every id is checked after expansion.
 *
 * `hello` tells a peer which replica id this node's store runs under (it changes when the store
 * restarts empty) and which id it believes the peer has (`known`, `''` when none), so a peer whose
 * id we do not know yet answers with its own.
 *
 * `ack` answers a `deltas` push once it is joined (and written down, for a durable replica): `seqs`
 * are the seqs of the pusher's own writes it carried, `to` the pusher's replica id (shortened like
 * the ids of `reps`). The writer's store uses them for its write concern (`../acks.ts`).
 *
 * Example:
 * ```ts
 * const link = { from: node.name, to: peer };
 * node.sendTo(peer, ClusterMessageType.Crdt, encodeWire(message, toReplica, link));
 * const { message, to } = decodeWire(payload, { from: peer, to: node.name }); // throws CrdtMessageError
 * ```
 *
 * API: `encodeWire(message, to, link)`, `decodeWire(payload, link)`, `isReplicaId(id)`,
 * `WireLink`, `HelloMessage`, `AckMessage`, `DriverMessage`, `DecodedWire`.
 *
 * When not to use: the tuples are a transport detail; code works on the core's message objects.
 */
import { CrdtMessageError } from '../core/errors.ts';
import { parseReplicaMessage, type ReplicaMessage } from '../core/messages.ts';
import type { ReplicaId } from '../core/replica-id.ts';

export interface HelloMessage {
  readonly type: 'hello';
  /** The sender's current replica id. */
  readonly id: ReplicaId;
  /** The receiver's replica id as the sender knows it; `''` when it knows none. */
  readonly known: ReplicaId | '';
}

export interface AckMessage {
  readonly type: 'ack';
  /** Seqs of the receiving replica's own writes that a push from it carried. */
  readonly seqs: readonly number[];
}

export type DriverMessage<V> = ReplicaMessage<V> | HelloMessage | AckMessage;

/** Full node names of a message's sender and receiver. */
export interface WireLink {
  readonly from: string;
  readonly to: string;
}

export interface DecodedWire {
  readonly message: DriverMessage<unknown>;
  /** The replica a snapshot chunk was cut for, or an ack is meant for; undefined for others. */
  readonly to: ReplicaId | undefined;
}

const TAG = {
  summary: 0,
  digest: 1,
  deltas: 2,
  hashRequest: 3,
  hashes: 4,
  snapshot: 5,
  hello: 6,
  ack: 7,
} as const;

/**
 * The tuple to hand to `sendTo` (MessagePack-encoded by the node). `to`: the receiving replica
 * (written for snapshot chunks only); `link`: the two nodes, for shortened ids.
 */
export function encodeWire<V>(m: DriverMessage<V>, to: ReplicaId | '', link: WireLink): readonly unknown[] {
  const short = (rep: ReplicaId): string => shorten(rep, link);
  switch (m.type) {
    case 'summary':
      return [TAG.summary, m.applied, m.state];
    case 'digest':
      return [TAG.digest, m.applied, m.state, m.reply];
    case 'deltas':
      return [TAG.deltas, m.reps.map(short), m.deltas];
    case 'hashRequest':
      return [TAG.hashRequest];
    case 'hashes':
      return [TAG.hashes, m.hashes];
    case 'snapshot':
      return [
        TAG.snapshot,
        to,
        m.id,
        m.index,
        m.count,
        m.buckets,
        m.reps.map(short),
        m.entries,
        m.ctx,
        m.applied,
      ];
    case 'hello':
      return [TAG.hello, m.id, m.known];
    case 'ack':
      return [TAG.ack, to === '' ? '' : short(to), m.seqs];
  }
}

/**
 * Rebuilds and validates a decoded payload: the shape of replication messages is checked by the
 * core's `parseReplicaMessage`; values stay `unknown`. Throws `CrdtMessageError`.
 */
export function decodeWire(payload: unknown, link: WireLink): DecodedWire {
  const p = payload as readonly unknown[];
  const message = decodeMessage(p, link);
  if (message.type === 'ack') {
    const [full] = expandAll([p[1]], link) as string[];
    return { message, to: full };
  }
  if (message.type !== 'snapshot') return { message, to: undefined };
  if (typeof p[1] !== 'string') fail('snapshot.to must be a replica id');
  return { message, to: p[1] };
}

function decodeMessage(payload: unknown, link: WireLink): DriverMessage<unknown> {
  if (!Array.isArray(payload) || payload.length === 0) fail('a CRDT payload must be a non-empty array');
  const p = payload as readonly unknown[];
  const arity = (n: number): void => {
    if (p.length !== n) fail(`tag ${String(p[0])} needs ${n} fields, got ${p.length}`);
  };
  switch (p[0]) {
    case TAG.summary:
      arity(3);
      return parseReplicaMessage({ type: 'summary', applied: p[1], state: p[2] });
    case TAG.digest:
      arity(4);
      return parseReplicaMessage({ type: 'digest', applied: p[1], state: p[2], reply: p[3] });
    case TAG.deltas:
      arity(3);
      return parseReplicaMessage({ type: 'deltas', reps: expandAll(p[1], link), deltas: p[2] });
    case TAG.hashRequest:
      arity(1);
      return parseReplicaMessage({ type: 'hashRequest' });
    case TAG.hashes:
      arity(2);
      return parseReplicaMessage({ type: 'hashes', hashes: p[1] });
    case TAG.snapshot:
      arity(10);
      return parseReplicaMessage({
        type: 'snapshot',
        id: p[2],
        index: p[3],
        count: p[4],
        buckets: p[5],
        reps: expandAll(p[6], link),
        entries: p[7],
        ctx: p[8],
        applied: p[9],
      });
    case TAG.hello: {
      arity(3);
      const id = p[1];
      const known = p[2];
      if (!isReplicaId(id)) fail('hello.id must be a replica id');
      if (typeof known !== 'string' || known.length > 512) fail('hello.known must be a string');
      return { type: 'hello', id, known };
    }
    case TAG.ack: {
      arity(3);
      const seqs = p[2];
      if (
        !Array.isArray(seqs) ||
        seqs.length > 100_000 ||
        !seqs.every((n) => Number.isSafeInteger(n) && n >= 1)
      )
        fail('ack.seqs must be seqs');
      return { type: 'ack', seqs: seqs as number[] };
    }
    default:
      return fail(`unknown CRDT message tag ${JSON.stringify(p[0])}`);
  }
}

/** `node#incarnation` with a non-empty node name and a non-negative safe integer incarnation. */
export function isReplicaId(id: unknown): id is ReplicaId {
  if (typeof id !== 'string' || id.length > 512) return false;
  const at = id.lastIndexOf('#');
  if (at <= 0 || at === id.length - 1) return false;
  const digits = id.slice(at + 1);
  return /^\d+$/.test(digits) && Number.isSafeInteger(Number(digits));
}

function shorten(rep: ReplicaId, link: WireLink): string {
  if (rep.startsWith(link.from) && isIncarnationAt(rep, link.from.length)) return rep.slice(link.from.length);
  if (rep.startsWith(link.to) && isIncarnationAt(rep, link.to.length)) return `#${rep.slice(link.to.length)}`;
  return rep;
}

function isIncarnationAt(rep: string, at: number): boolean {
  return rep[at] === '#' && rep.indexOf('#', at + 1) < 0 && rep.length > at + 1;
}

/** Expands shortened ids; every id must then be a replica id. Leaves a non-array to the parser. */
function expandAll(reps: unknown, link: WireLink): unknown {
  if (!Array.isArray(reps)) return reps;
  return reps.map((rep: unknown) => {
    if (typeof rep !== 'string') fail('reps must be a list of replica ids');
    const full = rep.startsWith('##') ? link.to + rep.slice(1) : rep.startsWith('#') ? link.from + rep : rep;
    if (!isReplicaId(full)) fail(`not a replica id: ${JSON.stringify(rep.slice(0, 80))}`);
    return full;
  });
}

function fail(message: string): never {
  throw new CrdtMessageError(message);
}
