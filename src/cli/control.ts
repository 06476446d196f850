/**
 * The control channel between the local launcher and its node processes (Node's IPC pipe of a
 * forked child). It does not go through the cluster mesh, so a node cut off by a partition still
 * hears "heal".
 */
export type ControlCommand =
  | { readonly type: 'partition' }
  | { readonly type: 'heal' }
  | { readonly type: 'shutdown' }
  | { readonly type: 'destroy-city' };

/** From a node to the launcher: act on another node (or itself). */
export interface ControlRequest {
  readonly type: 'node-action';
  readonly node: string;
  readonly action: 'shutdown' | 'restart' | 'partition' | 'heal';
}

export function isControlCommand(msg: unknown): msg is ControlCommand {
  const t = (msg as { type?: unknown } | null)?.type;
  return t === 'partition' || t === 'heal' || t === 'shutdown' || t === 'destroy-city';
}

export function isControlRequest(msg: unknown): msg is ControlRequest {
  return (msg as { type?: unknown } | null)?.type === 'node-action';
}
