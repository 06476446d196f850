/**
 * The forwarding protocol on the mesh (`ClusterMessageType.RaftClient`): a member that is not the
 * leader forwards client commands and membership changes to the leader, which proposes them and
 * answers once the entry is applied (or says why it could not).
 *
 * Example:
 * ```ts
 * node.sendTo(leader, ClusterMessageType.RaftClient, { t: 'prop', id: 7, data });
 * // … the leader answers { t: 'prop-ok', id: 7, result } after applying the entry
 * ```
 *
 * Refusal reasons: `not-leader` (ask `leader` instead, or wait for one), `overloaded` (back off),
 * `lost` (the entry was overwritten by a new leader: it was NOT applied), `pending` (another
 * membership change is in flight), `invalid` (the change does not apply), `closed`.
 *
 * When not to use: Raft's own peer messages travel on `ClusterMessageType.Raft` (`wire.ts`).
 */
import type { ConfChange } from '../core/types.ts';

export type RefusalReason = 'not-leader' | 'overloaded' | 'lost' | 'pending' | 'invalid' | 'closed';

export type ClientPayload =
  | { readonly t: 'prop'; readonly id: number; readonly data: Uint8Array }
  | { readonly t: 'prop-ok'; readonly id: number; readonly result: unknown }
  | { readonly t: 'conf'; readonly id: number; readonly change: ConfChange }
  | { readonly t: 'conf-ok'; readonly id: number }
  | {
      readonly t: 'refused';
      readonly id: number;
      readonly reason: RefusalReason;
      readonly leader: string | null;
      readonly message: string;
    };

const REASONS: ReadonlySet<string> = new Set([
  'not-leader',
  'overloaded',
  'lost',
  'pending',
  'invalid',
  'closed',
]);
const CHANGES: ReadonlySet<string> = new Set(['add-learner', 'add-voter', 'promote', 'remove']);

/** Checks one RaftClient payload; returns null when it is malformed. */
export function decodeClientPayload(payload: unknown): ClientPayload | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const o = payload as Record<string, unknown>;
  const id = o['id'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  switch (o['t']) {
    case 'prop':
      return o['data'] instanceof Uint8Array ? { t: 'prop', id, data: new Uint8Array(o['data']) } : null;
    case 'prop-ok':
      return { t: 'prop-ok', id, result: o['result'] };
    case 'conf': {
      const c = o['change'];
      if (typeof c !== 'object' || c === null) return null;
      const { type, node } = c as Record<string, unknown>;
      if (typeof type !== 'string' || !CHANGES.has(type) || typeof node !== 'string' || node === '')
        return null;
      return { t: 'conf', id, change: { type: type as ConfChange['type'], node } };
    }
    case 'conf-ok':
      return { t: 'conf-ok', id };
    case 'refused': {
      const { reason, leader, message } = o;
      if (typeof reason !== 'string' || !REASONS.has(reason)) return null;
      if (leader !== null && typeof leader !== 'string') return null;
      return {
        t: 'refused',
        id,
        reason: reason as RefusalReason,
        leader,
        message: typeof message === 'string' ? message : '',
      };
    }
    default:
      return null;
  }
}
