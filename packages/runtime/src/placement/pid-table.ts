/**
 * Where a placed child runs, without a store write (CP mode): each node tells its peers the pid of
 * every copy it starts, and every node keeps what it was told in a `PidTable`. A lookup resolves a
 * key to a pid only when the announced copy matches the record — the record's owner runs it at the
 * record's epoch — so an announcement that overtook the record (or one about a copy since replaced)
 * is held until the record says the same, and never answers for another owner or epoch.
 *
 * ```ts
 * const pids = new PidTable();
 * pids.learn('hero-1', 4, { node: 'metropolis@h', inc: 7, id: 12 });   // from metropolis
 * pids.resolve(record);          // the pid if record.owner is metropolis@h at epoch 4, else undefined
 * pids.dropNode('metropolis@h'); // it went down: its copies are gone with it
 * ```
 *
 * How it stays complete: a node announces a copy when it starts it (to the peers connected then),
 * and the two sides of every new connection (after a restart, a pause or a healed partition) send
 * each other their whole lists (`replace`: the sender's entries are exactly these), so a peer that
 * missed an announcement learns it then. A message can also be lost without the connection
 * closing (a cut shorter than failure detection, with fault injection that drops frames): so
 * each node also sends its peers, now and then, a digest of its list (`digest`), and a peer whose
 * entries for that node differ asks for the whole list. Messages between two nodes arrive in order, so a later announcement of the
 * same key and epoch (a copy restarted after a crash) replaces the earlier one.
 *
 * Why: a pid written into the record costs one consensus round per start; announcing it costs one
 * message per peer, and the record stays the single source of truth for owner and epoch. AP mode
 * keeps the pid in the record (the replicas there reconcile copies by it).
 *
 * Pure: no I/O, no clock.
 */
import type { Pid } from '../actor/pid.ts';
import { fnv1a32 } from '../util/hash.ts';

/** One announced copy: the key, the epoch it runs at and its pid. */
export interface PidEntry {
  readonly key: string;
  readonly epoch: number;
  readonly pid: Pid;
}

/**
 * What a node tells a peer, for the placement table named by `$placementPids`: copies it runs
 * (`entries`); with `replace`, these begin its whole list (its earlier entries are dropped; more
 * of the list may follow in the next messages); with `ask`, the peer answers with its whole list;
 * with `digest`, the digest of the sender's whole list (`digestOf`), for the peer to compare.
 */
export interface PidsMessage {
  readonly $placementPids: string;
  readonly node: string;
  readonly entries: readonly PidEntry[];
  readonly replace?: boolean;
  readonly ask?: boolean;
  readonly digest?: PidDigest;
}

/** A summary of a list of entries, equal for equal sets whatever their order. */
export interface PidDigest {
  readonly count: number;
  readonly sum: number;
}

/** The digest of `entries`. */
export function digestOf(entries: Iterable<PidEntry>): PidDigest {
  let count = 0;
  let sum = 0;
  for (const e of entries) {
    count++;
    sum = (sum + fnv1a32(`${e.key}\u0000${e.epoch}\u0000${e.pid.inc}\u0000${e.pid.id}`)) >>> 0;
  }
  return { count, sum };
}

export function sameDigest(a: PidDigest, b: PidDigest): boolean {
  return a.count === b.count && a.sum === b.sum;
}

export function isPidsMessage(msg: unknown): msg is PidsMessage {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    typeof (msg as { $placementPids?: unknown }).$placementPids === 'string' &&
    Array.isArray((msg as { entries?: unknown }).entries)
  );
}

export class PidTable {
  private readonly byKey = new Map<string, { readonly epoch: number; readonly pid: Pid }>();

  /**
   * Records an announcement. One of a lower epoch than the one held is ignored: messages are in
   * order only between two nodes, so the previous owner's announcement can arrive after its
   * successor's, and a key's epochs only go up. One of the same epoch replaces it (a copy
   * restarted after a crash, announced by the same node).
   */
  learn(key: string, epoch: number, pid: Pid): void {
    const held = this.byKey.get(key);
    if (held !== undefined && held.epoch > epoch) return;
    this.byKey.set(key, { epoch, pid });
  }

  /** The announced pid of the copy `record` names (its owner, its epoch), if any. */
  resolve(record: { readonly key: string; readonly owner: string; readonly epoch: number }): Pid | undefined {
    const e = this.byKey.get(record.key);
    if (e === undefined || e.epoch !== record.epoch || e.pid.node !== record.owner) return undefined;
    return e.pid;
  }

  /** The key was removed from the store. */
  forget(key: string): void {
    this.byKey.delete(key);
  }

  /** `node` went down: the copies it ran are gone (a restart announces new pids). */
  dropNode(node: string): void {
    for (const [key, e] of this.byKey) if (e.pid.node === node) this.byKey.delete(key);
  }

  /** The entries announced by `node` (its copies, as this table holds them). */
  *entriesOf(node: string): IterableIterator<PidEntry> {
    for (const [key, e] of this.byKey) if (e.pid.node === node) yield { key, epoch: e.epoch, pid: e.pid };
  }

  get size(): number {
    return this.byKey.size;
  }
}
