/**
 * The control channel between the local launcher and its node processes (Node's IPC pipe of a
 * forked child). It does not go through the cluster mesh, so a node cut off by a partition still
 * hears "heal". The commands are the chaos controls a node applies to itself
 * (`../dispatch/node-actions.ts`).
 */
import type { NodeAction, SelfAppliedAction } from '../dispatch/node-actions.ts';
import { isNodeAction, selfApplied } from '../dispatch/node-actions.ts';

export interface ControlCommand {
  readonly type: SelfAppliedAction;
}

/** From a node to the launcher: act on another node (or itself). */
export interface ControlRequest {
  readonly type: 'node-action';
  readonly node: string;
  readonly action: NodeAction;
}

export function isControlCommand(msg: unknown): msg is ControlCommand {
  const t = (msg as { type?: unknown } | null)?.type;
  return isNodeAction(t) && selfApplied(t);
}

export function isControlRequest(msg: unknown): msg is ControlRequest {
  const m = msg as { type?: unknown; node?: unknown; action?: unknown } | null;
  return m?.type === 'node-action' && typeof m.node === 'string' && isNodeAction(m.action);
}
