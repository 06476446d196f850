/**
 * The seam between the local runtime and the cluster layer. The runtime turns every operation on a
 * pid of another node into a `RemoteEnvelope` handed to the `RemoteBridge`; the cluster layer carries
 * it to that node and calls `system.receiveRemote(envelope)` there. The runtime keeps all remote
 * bookkeeping itself (pending calls, remote monitors and links), so the bridge is only transport and
 * a node-down signal: `system.nodeDown(node)` fails calls with `noconnection`, fires `DOWN` for
 * remote monitors and exit signals for remote links.
 *
 * Envelopes are plain data: only pids, names, refs, tags and user messages cross — never code.
 */
import { CodedError } from '../util/errors.ts';
import type { Pid, Ref } from './pid.ts';
import type { From } from './types.ts';

export type RemoteTarget = Pid | { readonly name: string; readonly node: string };

export type RemoteEnvelope =
  | { readonly t: 'call'; readonly to: RemoteTarget; readonly msg: unknown; readonly from: From }
  | { readonly t: 'cast'; readonly to: RemoteTarget; readonly msg: unknown }
  | { readonly t: 'send'; readonly to: RemoteTarget; readonly msg: unknown }
  | { readonly t: 'reply'; readonly tag: number; readonly ok: boolean; readonly value: unknown }
  | { readonly t: 'exit'; readonly to: Pid; readonly from: Pid; readonly reason: unknown }
  | { readonly t: 'link'; readonly to: Pid; readonly from: Pid }
  | { readonly t: 'unlink'; readonly to: Pid; readonly from: Pid }
  | { readonly t: 'monitor'; readonly to: RemoteTarget; readonly from: Pid; readonly ref: Ref }
  | { readonly t: 'demonitor'; readonly to: Pid; readonly ref: Ref }
  | { readonly t: 'down'; readonly to: Pid; readonly ref: Ref; readonly pid: Pid; readonly reason: unknown };

export interface RemoteBridge {
  /** Send to `node`; false when there is no connection to it (the runtime then fails fast). */
  send(node: string, envelope: RemoteEnvelope): boolean;
  /** Cluster-wide names, served from a local copy. */
  whereisGlobal(name: string): Pid | undefined;
}

/** Reasons and errors cross the wire as plain data; an Error becomes `{ error, message, code? }`. */
export function toWireReason(reason: unknown): unknown {
  if (reason instanceof Error) {
    const code = (reason as { code?: unknown }).code;
    return { error: reason.name, message: reason.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return reason;
}

/** A remote error reply, rebuilt as an Error that keeps the original name, message and code. */
export class RemoteError extends CodedError {
  readonly remoteName: string;
  /** `code` is the remote error's own, or `remote_error` when it had none. */
  constructor(wire: { error?: unknown; message?: unknown; code?: unknown }) {
    super(
      typeof wire.code === 'string' ? wire.code : 'remote_error',
      typeof wire.message === 'string' ? wire.message : 'remote error',
    );
    this.remoteName = typeof wire.error === 'string' ? wire.error : 'Error';
    this.name = this.remoteName;
  }
}
