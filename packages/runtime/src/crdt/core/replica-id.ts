/**
 * Replica ids: `nodeName#incarnation`. A node that restarts with empty state gets a new
 * incarnation, so it never reissues a dot `(replica, seq)` its peers have already seen (they would
 * ignore its new writes as old news).
 *
 * Example:
 * ```ts
 * const id = replicaId('gotham', 1732242342123); // 'gotham#1732242342123'
 * nodeOf(id);                                    // 'gotham'
 * ```
 *
 * API: `ReplicaId`, `Dot`, `replicaId(node, incarnation)`, `nodeOf(id)`, `incarnationOf(id)`,
 * `dotKey(rep, seq)`.
 *
 * The incarnation is any non-negative safe integer that grows across restarts of one node (the
 * start time in ms is the usual choice); the core only needs it to differ from all earlier ones.
 *
 * When not to use: a replica id names one lifetime of one store replica, not a cluster node.
 */
import { CrdtReplicaIdError } from './errors.ts';

/** `nodeName#incarnation`. */
export type ReplicaId = string;

/** One event of one replica: its `seq`-th local change (1-based). Plain data for the wire. */
export type Dot = readonly [replica: ReplicaId, seq: number];

export function replicaId(node: string, incarnation: number): ReplicaId {
  if (node.length === 0) throw new CrdtReplicaIdError('node name must not be empty');
  if (!Number.isSafeInteger(incarnation) || incarnation < 0) {
    throw new CrdtReplicaIdError(`incarnation must be a non-negative safe integer, got ${incarnation}`);
  }
  return `${node}#${incarnation}`;
}

function split(id: ReplicaId): number {
  const at = id.lastIndexOf('#');
  if (at <= 0 || at === id.length - 1)
    throw new CrdtReplicaIdError(`not a replica id: ${JSON.stringify(id)}`);
  return at;
}

export function nodeOf(id: ReplicaId): string {
  return id.slice(0, split(id));
}

export function incarnationOf(id: ReplicaId): number {
  const n = Number(id.slice(split(id) + 1));
  if (!Number.isSafeInteger(n) || n < 0)
    throw new CrdtReplicaIdError(`bad incarnation in ${JSON.stringify(id)}`);
  return n;
}

/** A string form of a dot, for sets and maps. */
export function dotKey(rep: ReplicaId, seq: number): string {
  return `${rep}\u0000${seq}`;
}
