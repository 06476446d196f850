/**
 * One CRDT message handler per node, and fresh incarnations for replica ids.
 *
 * A node accepts one handler per message type for its whole life, but a store may be closed and
 * opened again on the same node. `attach` registers a forwarding handler once per node and points
 * it at the current driver; `detach` unhooks it, so the next driver can attach.
 *
 * `nextIncarnation(wallMs)` returns the wall time in ms, or one more than the last incarnation this
 * process handed out if that is not greater: a replica that restarts empty within the same
 * millisecond (or while the clock stands still) still gets a new id. Across processes the wall
 * clock keeps ids apart: a restarted process starts long after the millisecond its predecessor did.
 *
 * Example:
 * ```ts
 * const detach = attach(node, (peer, payload) => driver.receive(peer, payload)); // throws if taken
 * const id = replicaId(node.name, nextIncarnation(Date.now()));
 * detach();
 * ```
 *
 * API: `attach(node, handler)`, `nextIncarnation(wallMs)`.
 *
 * When not to use: other protocols register their own types with `node.handle`.
 */
import { ClusterMessageType } from '../../cluster/message-types.ts';
import { CrdtDriverAttachedError } from './errors.ts';
import type { CrdtNode } from './options.ts';

type Handler = (peer: string, payload: unknown) => void;

interface Slot {
  current: Handler | undefined;
}

const slots = new WeakMap<CrdtNode, Slot>();

/** Routes the node's CRDT messages to `handler` until the returned function is called. */
export function attach(node: CrdtNode, handler: Handler): () => void {
  let slot = slots.get(node);
  if (slot === undefined) {
    const created: Slot = { current: undefined };
    node.handle(ClusterMessageType.Crdt, (peer, payload) => created.current?.(peer, payload));
    slots.set(node, created);
    slot = created;
  }
  if (slot.current !== undefined) throw new CrdtDriverAttachedError(node.name);
  const mine = slot;
  mine.current = handler;
  return () => {
    if (mine.current === handler) mine.current = undefined;
  };
}

let lastIncarnation = 0;

export function nextIncarnation(wallMs: number): number {
  const next = Math.max(Math.floor(wallMs), lastIncarnation + 1);
  lastIncarnation = next;
  return next;
}
