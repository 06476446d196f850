/**
 * Payloads of the node-level protocols carried by the transport. Their type ids live in
 * `wire/message-types.ts` (append-only). Every payload is plain data: pids, names, refs and user
 * messages — never code.
 */
import type { Pid } from '../actor/index.ts';

export interface MemberAddress {
  /** `name@host:port` */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** Sent on every new connection and when membership changes: the members the sender is connected to. */
export interface MembersPayload {
  readonly members: readonly MemberAddress[];
}

export interface NameClaimPayload {
  readonly name: string;
  readonly pid: Pid;
  /** Registration time, ms since the epoch at the registering node (the default resolver's key). */
  readonly at: number;
}

export interface NamesSyncPayload {
  /** Every name held by an actor of the sender. */
  readonly claims: readonly NameClaimPayload[];
}

export interface NameReleasePayload {
  readonly name: string;
  readonly pid: Pid;
}

export interface PublishPayload {
  readonly topic: string;
  readonly msg: unknown;
}

export interface LeavePayload {
  readonly reason: string;
}

/** Parse `name@host:port` (IPv6 hosts in brackets). */
export function parseNodeName(full: string): MemberAddress | undefined {
  const at = full.indexOf('@');
  if (at <= 0) return undefined;
  const rest = full.slice(at + 1);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = rest.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(rest.slice(colon + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { name: full, host, port };
}

/** The short name: `gotham@127.0.0.1:4370` → `gotham`. */
export function shortName(full: string): string {
  const at = full.indexOf('@');
  return at < 0 ? full : full.slice(0, at);
}
