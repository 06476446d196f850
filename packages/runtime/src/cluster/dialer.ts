/**
 * The node's address book and redial loop: every address the node should be connected to (seeds,
 * members it heard of, discovery candidates), dialled when due, with exponential backoff after
 * failures, so a restarted or healed peer is found again without anyone asking.
 *
 * Example:
 * ```ts
 * const dialer = new Dialer({ connect: (a) => transport.connect(a), isConnected, onConnected: adopt,
 *   self: { host: '127.0.0.1', port: 4370 }, selfName, log, minDelayMs: 100, maxDelayMs: 2000 });
 * dialer.add({ host: '127.0.0.1', port: 4371 });   // a seed: kept and redialled for good
 * dialer.add(address, name, 'member');             // a member's: kept while it is not gone too long
 * dialer.offer(view);                              // a discovery view: kept while it lists them
 * setInterval(() => dialer.dialDue(), 50);
 * ```
 *
 * Rules:
 * - Seeds (and addresses an operator added) are redialled until `forget`.
 * - Members' addresses (of members we were connected to, or that a peer listed) are redialled
 *   until `forget` (a member that left gracefully) or until the member has been unreachable for
 *   `forgetAfterMs`: a crashed or decommissioned node, or an address a hostile or confused peer
 *   listed, is not dialled forever. A member that comes back later is found through the seeds,
 *   discovery, or its own dial.
 * - Addresses only a discovery source named are dropped when they vanish from its view before
 *   we ever connected to them, so a DNS name that churns through pod addresses does not leave a
 *   growing list of dead ones behind.
 * - An address that turns out to be this node (a DNS record of our own pod, a gossip echo) is
 *   never dialled again.
 * - A dial is skipped while the node behind the address is connected.
 *
 * Not for: deciding who is a member (the node does that on `onConnected`).
 */
import type { Logger } from 'pino';
import { HandshakeSelfError } from '../wire/errors.ts';
import type { Candidate } from './discovery/types.ts';
import type { Connection, PeerAddress } from './transport/types.ts';

export interface DialerOptions {
  connect(address: PeerAddress): Promise<Connection>;
  isConnected(peer: string): boolean;
  /** Called with every connection a dial produced (the node adopts or closes it). */
  onConnected(conn: Connection): void;
  /** Called with every failed dial but those that reached this node itself. Default: nothing. */
  onFailed?(address: PeerAddress, err: unknown): void;
  /** Our own address and full name: never dialled. */
  readonly self: PeerAddress;
  readonly selfName: string;
  readonly log: Logger;
  /** First redial delay after a failure, ms. */
  readonly minDelayMs: number;
  /** Largest redial delay, ms. */
  readonly maxDelayMs: number;
  /**
   * How long a member's address is kept while nobody is connected behind it, ms. Default 600 000
   * (10 minutes): longer than a restart, a rolling upgrade or a partition the cluster is meant to
   * ride out; short enough that dead addresses do not pile up.
   */
  readonly forgetAfterMs?: number;
  /** Monotonic clock, ms. Default `performance.now`. */
  readonly now?: () => number;
}

/** Why an address is known: it decides how long it is kept (see the rules above). */
export type AddressKind = 'seed' | 'member' | 'candidate';

const KEEP_ORDER: Record<AddressKind, number> = { candidate: 0, member: 1, seed: 2 };

export const DEFAULT_FORGET_AFTER_MS = 600_000;

interface DialState {
  readonly address: PeerAddress;
  nextAt: number;
  delay: number;
  inFlight: boolean;
  kind: AddressKind;
  /** When the address was added, or a node behind it last seen connected. */
  seenAt: number;
  /** The address is this node. */
  self: boolean;
  /** The node behind this address, once known. */
  peer?: string;
}

export class Dialer {
  private readonly options: DialerOptions;
  private readonly states = new Map<string, DialState>();
  private readonly now: () => number;
  private readonly forgetAfterMs: number;
  private stopped = false;

  constructor(options: DialerOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    this.forgetAfterMs = options.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
  }

  /** Addresses known (for tests and status pages). */
  addresses(): PeerAddress[] {
    return [...this.states.values()].filter((s) => !s.self).map((s) => s.address);
  }

  /** Keeps `address` and dials it when due; `peer` is the node's full name when known. */
  add(address: PeerAddress, peer?: string, kind: AddressKind = 'seed'): void {
    if (this.stopped || this.isSelf(address, peer)) return;
    const key = addressKey(address);
    const existing = this.states.get(key);
    if (existing) {
      if (peer) existing.peer = peer;
      if (KEEP_ORDER[kind] > KEEP_ORDER[existing.kind]) existing.kind = kind;
      return;
    }
    const state: DialState = {
      address,
      nextAt: 0,
      delay: this.options.minDelayMs,
      inFlight: false,
      kind,
      seenAt: this.now(),
      self: false,
    };
    if (peer) state.peer = peer;
    this.states.set(key, state);
    this.dialDue();
  }

  /** A discovery source's current view: adds its candidates, drops unpinned ones it no longer lists. */
  offer(view: readonly Candidate[]): void {
    const listed = new Set(view.map(addressKey));
    for (const [key, state] of this.states) {
      if (state.kind !== 'candidate' || state.self || state.inFlight || listed.has(key)) continue;
      if (state.peer && this.options.isConnected(state.peer)) continue;
      this.states.delete(key);
    }
    for (const c of view) this.add({ host: c.host, port: c.port }, c.name, 'candidate');
  }

  /** Stops redialling `address` (its node left gracefully). */
  forget(address: PeerAddress): void {
    this.states.delete(addressKey(address));
  }

  /** Dials every address that is due, not connected and not being dialled; forgets members gone too long. */
  dialDue(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const [key, state] of this.states) {
      if (state.peer && this.options.isConnected(state.peer)) {
        state.seenAt = now;
        continue;
      }
      if (state.kind === 'member' && !state.inFlight && now - state.seenAt > this.forgetAfterMs) {
        this.states.delete(key);
        this.options.log.info(
          { address: key, peer: state.peer, goneMs: Math.round(now - state.seenAt) },
          'forgetting the address of a member gone too long',
        );
        continue;
      }
      if (state.self || state.inFlight || state.nextAt > now) continue;
      this.dial(state);
    }
  }

  /** Forgets backoffs and dials at once (after a partition heals). */
  retryNow(): void {
    for (const state of this.states.values()) {
      state.nextAt = 0;
      state.inFlight = false;
      state.delay = this.options.minDelayMs;
    }
    this.dialDue();
  }

  stop(): void {
    this.stopped = true;
  }

  private dial(state: DialState): void {
    state.inFlight = true;
    this.options.connect(state.address).then(
      (conn) => {
        state.inFlight = false;
        state.delay = this.options.minDelayMs;
        state.peer = conn.peerName;
        state.seenAt = this.now();
        this.options.onConnected(conn);
      },
      (err: unknown) => {
        state.inFlight = false;
        if (err instanceof HandshakeSelfError) {
          state.self = true;
          return;
        }
        state.nextAt = this.now() + state.delay;
        state.delay = Math.min(state.delay * 2, this.options.maxDelayMs);
        this.options.log.debug({ address: addressKey(state.address), err: String(err) }, 'dial failed');
        this.options.onFailed?.(state.address, err);
      },
    );
  }

  private isSelf(address: PeerAddress, peer: string | undefined): boolean {
    const { self, selfName } = this.options;
    return peer === selfName || (address.host === self.host && address.port === self.port);
  }
}

export function addressKey(a: PeerAddress): string {
  return `${a.host}:${a.port}`;
}
