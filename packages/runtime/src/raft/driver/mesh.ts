/**
 * The Raft member's port on a cluster node. A node accepts one handler per message type for its
 * whole life, but a Raft member on it may be closed and started again (a supervisor restarting the
 * store); so the handlers are registered once per node and forward to whichever member is attached
 * now. Messages that arrive while none is attached are dropped, as if lost on the wire.
 *
 * Example:
 * ```ts
 * const detach = attachMember(node, { raft, client, up, down });
 * detach(); // the next member may attach
 * ```
 *
 * When not to use: anything but the Raft driver; other protocols register their own types.
 */
import type { ClusterNode, NodeDownReason } from '../../cluster/node.ts';
import { ClusterMessageType } from '../../cluster/message-types.ts';
import { AlreadyAttachedError } from './errors.ts';

export interface MemberPort {
  raft(peer: string, payload: unknown): void;
  client(peer: string, payload: unknown): void;
  up(peer: string): void;
  down(peer: string, reason: NodeDownReason): void;
}

interface Slot {
  current: MemberPort | null;
}

const slots = new WeakMap<ClusterNode, Slot>();

/** Attaches `port` to `node`; throws `AlreadyAttachedError` while another member is attached. */
export function attachMember(node: ClusterNode, port: MemberPort): () => void {
  let slot = slots.get(node);
  if (slot === undefined) {
    const s: Slot = { current: null };
    slot = s;
    slots.set(node, s);
    node.handle(ClusterMessageType.Raft, (peer, payload) => s.current?.raft(peer, payload));
    node.handle(ClusterMessageType.RaftClient, (peer, payload) => s.current?.client(peer, payload));
    node.onNodeUp((peer) => s.current?.up(peer));
    node.onNodeDown((peer, reason) => s.current?.down(peer, reason));
  }
  if (slot.current !== null) {
    throw new AlreadyAttachedError(`node ${node.name} already runs a Raft member; close it first`);
  }
  slot.current = port;
  const owned = slot;
  return () => {
    if (owned.current === port) owned.current = null;
  };
}
