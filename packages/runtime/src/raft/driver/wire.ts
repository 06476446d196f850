/**
 * The Raft peer protocol on the cluster mesh (`ClusterMessageType.Raft`): the core's messages as
 * plain msgpack-able data, plus the two messages of chunked snapshot transfer. Entries travel as
 * tuples `[index, term, data, config?1:0]` (no per-entry key strings).
 *
 * Example:
 * ```ts
 * node.sendTo(m.to, ClusterMessageType.Raft, encodeRaftMessage(m));
 * const decoded = decodeRaftPayload(peer, node.name, payload); // Message | chunk | ack | reason
 * ```
 *
 * Decoding is the edge where untrusted bytes become typed values: every field is checked, a
 * message must name its real sender (`from` equals the connection's peer) and this node as `to`,
 * and entry data is copied out of the receive buffer so the log never pins socket chunks.
 *
 * When not to use: forwarded client requests have their own protocol (`client-wire.ts`).
 */
import type { ConfState, Entry, Message } from '../core/types.ts';

export interface SnapshotChunk {
  readonly type: 'snap-chunk';
  readonly from: string;
  readonly to: string;
  /** Transfer id, unique per sender. */
  readonly id: number;
  readonly seq: number;
  readonly total: number;
  /** Present on seq 0: the snapshot message without its data. */
  readonly meta: SnapshotMeta | null;
  readonly bytes: Uint8Array;
}

export interface SnapshotMeta {
  readonly term: number;
  readonly index: number;
  readonly snapTerm: number;
  readonly config: ConfState;
  readonly size: number;
}

export interface SnapshotAck {
  readonly type: 'snap-ack';
  readonly from: string;
  readonly to: string;
  readonly id: number;
  readonly seq: number;
}

export type RaftPayload = Message | SnapshotChunk | SnapshotAck;

type EntryTuple = [number, number, Uint8Array, number];

/** The wire form of a core message; `snap` messages go through the chunked transfer instead. */
export function encodeRaftMessage(m: Message): unknown {
  if (m.type === 'app' && m.entries.length > 0) {
    const entries: EntryTuple[] = m.entries.map((e) => [
      e.index,
      e.term,
      e.data,
      e.type === 'config' ? 1 : 0,
    ]);
    return { ...m, entries };
  }
  return m;
}

class Bad extends Error {}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Bad(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function int(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Bad(`${k} is not an index`);
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') throw new Bad(`${k} is not a boolean`);
  return v;
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0) throw new Bad(`${k} is not a string`);
  return v;
}

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new Bad(`${what} is not bytes`);
  return new Uint8Array(v);
}

function names(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) {
    throw new Bad(`${what} is not a list of names`);
  }
  return v as string[];
}

function entry(v: unknown, i: number): Entry {
  if (!Array.isArray(v) || v.length !== 4) throw new Bad(`entries[${i}] is not a tuple`);
  const [index, term, data, kind] = v as unknown[];
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) throw new Bad('entry index');
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 1) throw new Bad('entry term');
  if (kind !== 0 && kind !== 1) throw new Bad('entry kind');
  return { index, term, type: kind === 1 ? 'config' : 'normal', data: bytes(data, 'entry data') };
}

function config(v: unknown): ConfState {
  const c = obj(v, 'config');
  return { voters: names(c['voters'], 'voters'), learners: names(c['learners'], 'learners') };
}

/**
 * Checks and types one payload received from `peer`. Returns a string (the reason) when the
 * payload is not a valid message from `peer` to `self`; such payloads are dropped by the caller.
 */
export function decodeRaftPayload(peer: string, self: string, payload: unknown): RaftPayload | string {
  try {
    const o = obj(payload, 'payload');
    const type = o['type'];
    const from = str(o, 'from');
    const to = str(o, 'to');
    if (from !== peer) return `message claims to be from ${from} but came from ${peer}`;
    if (to !== self) return `message for ${to} arrived at ${self}`;
    if (type === 'snap-chunk') {
      const seq = int(o, 'seq');
      const total = int(o, 'total');
      if (total < 1 || seq >= total) throw new Bad('chunk numbering');
      let meta: SnapshotMeta | null = null;
      if (seq === 0) {
        const m = obj(o['meta'], 'meta');
        meta = {
          term: int(m, 'term'),
          index: int(m, 'index'),
          snapTerm: int(m, 'snapTerm'),
          config: config(m['config']),
          size: int(m, 'size'),
        };
      }
      return { type, from, to, id: int(o, 'id'), seq, total, meta, bytes: bytes(o['bytes'], 'chunk') };
    }
    if (type === 'snap-ack') return { type, from, to, id: int(o, 'id'), seq: int(o, 'seq') };
    const term = int(o, 'term');
    const base = { from, to, term };
    switch (type) {
      case 'app': {
        const raw = o['entries'];
        if (!Array.isArray(raw)) throw new Bad('entries is not a list');
        const entries = raw.map(entry);
        for (let i = 1; i < entries.length; i++) {
          if (entries[i]!.index !== entries[i - 1]!.index + 1) throw new Bad('entries are not contiguous');
        }
        return {
          type,
          ...base,
          prevIndex: int(o, 'prevIndex'),
          prevTerm: int(o, 'prevTerm'),
          entries,
          commit: int(o, 'commit'),
        };
      }
      case 'app-resp':
        return {
          type,
          ...base,
          index: int(o, 'index'),
          reject: bool(o, 'reject'),
          hintIndex: int(o, 'hintIndex'),
          hintTerm: int(o, 'hintTerm'),
        };
      case 'heartbeat':
        return { type, ...base, commit: int(o, 'commit'), readSeq: int(o, 'readSeq') };
      case 'heartbeat-resp':
        return { type, ...base, readSeq: int(o, 'readSeq') };
      case 'vote':
      case 'pre-vote':
        return {
          type,
          ...base,
          lastIndex: int(o, 'lastIndex'),
          lastTerm: int(o, 'lastTerm'),
          force: bool(o, 'force'),
        };
      case 'vote-resp':
      case 'pre-vote-resp':
        return { type, ...base, reject: bool(o, 'reject') };
      case 'timeout-now':
        return { type, ...base };
      case 'transfer-leader':
        return { type, ...base, transferee: str(o, 'transferee') };
      case 'read-index':
        return { type, ...base, ctx: str(o, 'ctx') };
      case 'read-index-resp':
        return { type, ...base, ctx: str(o, 'ctx'), index: int(o, 'index') };
      default:
        return `unknown raft message type ${String(type)}`;
    }
  } catch (err) {
    if (err instanceof Bad) return `malformed raft message: ${err.message}`;
    throw err;
  }
}
