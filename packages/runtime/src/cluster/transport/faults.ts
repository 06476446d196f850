/**
 * Fault injection for either transport: partitions, isolation, random frame loss and delay,
 * for tests and for the application's chaos controls.
 *
 * A cut looks like silence, not like a hang-up: frames across it are dropped in both directions
 * (handshake frames too, so a new dial across it times out with `HandshakeTimeoutError`), the
 * connection stays open, and a close on the far side is not reported while the cut lasts. The
 * failure detector is what notices. After `heal()` traffic flows again on connections that
 * survived.
 *
 * Example:
 * ```ts
 * const faults = new FaultController({ random: seededRandom(42) });
 * const a = faults.wrap(new TcpTransport({ name: 'gotham', cookie }));
 * faults.partition(['gotham'], ['metropolis', 'capitol']);
 * faults.heal();
 * faults.setDropRate(0.05); faults.setDelay(20, 10);
 * ```
 *
 * Node names in groups match a transport's `localName` exactly or its short name (the part
 * before `@`). Cuts and isolation apply on both ends (idempotent), so a controller shared by
 * every transport in a process, or one controller per process told the same cuts, both work;
 * a node told alone still goes silent towards everyone it is cut from. Drop rate and delay
 * apply to outgoing messages only (heartbeats included), never to control frames (handshake,
 * goodbye), so each frame is dropped or delayed once, by its sender, and a dial or a graceful
 * close is never randomly broken. Delays keep the order of a connection.
 *
 * Not for: byte-level corruption (the fuzz tests do that) or slowing a reader (use
 * `FramedConnection.pause()`).
 */
import type { FaultInjectable, LinkPolicy } from './types.ts';

export interface FaultControllerOptions {
  /** Uniform random numbers in [0, 1) for drop and jitter. Default `Math.random`; pass a seeded PRNG in tests. */
  random?: () => number;
}

interface Cut {
  readonly a: ReadonlySet<string>;
  readonly b: ReadonlySet<string>;
}

export class FaultController implements LinkPolicy {
  private readonly random: () => number;
  private cuts: Cut[] = [];
  private isolated = new Set<string>();
  private dropRate = 0;
  private delayMs = 0;
  private jitterMs = 0;
  /** No cut and no isolation: what every frame checks first (the policy runs on every frame). */
  private uncut = true;
  private readonly listeners = new Set<() => void>();

  constructor(options: FaultControllerOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  /** Puts `transport`'s links under this controller and returns it. */
  wrap<T extends FaultInjectable>(transport: T): T {
    transport.setLinkPolicy(this);
    return transport;
  }

  /** Cuts every node of `groupA` off from every node of `groupB` (adds to existing cuts). */
  partition(groupA: readonly string[], groupB: readonly string[]): void {
    this.cuts.push({ a: new Set(groupA), b: new Set(groupB) });
    this.changed();
  }

  /** Cuts `node` off from everyone. */
  isolate(node: string): void {
    this.isolated.add(node);
    this.changed();
  }

  /** Removes every cut and isolation (drop rate and delay stay as set). */
  heal(): void {
    this.cuts = [];
    this.isolated = new Set();
    this.changed();
  }

  /** Fraction of outgoing application messages to drop, 0 (default) to 1. */
  setDropRate(rate: number): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`drop rate must be within 0..1, got ${rate}`);
    this.dropRate = rate;
  }

  /** Delay of every outgoing application message: `ms` plus uniform 0..`jitterMs`. Default 0, 0. */
  setDelay(ms: number, jitterMs = 0): void {
    if (!(ms >= 0) || !(jitterMs >= 0)) throw new RangeError('delay and jitter must be >= 0');
    this.delayMs = ms;
    this.jitterMs = jitterMs;
  }

  /** A snapshot of the current faults, for status pages. */
  describe(): {
    cuts: Array<[string[], string[]]>;
    isolated: string[];
    dropRate: number;
    delayMs: number;
    jitterMs: number;
  } {
    return {
      cuts: this.cuts.map((cut) => [[...cut.a], [...cut.b]]),
      isolated: [...this.isolated],
      dropRate: this.dropRate,
      delayMs: this.delayMs,
      jitterMs: this.jitterMs,
    };
  }

  isCut(local: string, remote: string): boolean {
    if (this.uncut) return false;
    if (this.isIsolated(local) || this.isIsolated(remote)) return true;
    for (const cut of this.cuts) {
      if (
        (inGroup(cut.a, local) && inGroup(cut.b, remote)) ||
        (inGroup(cut.b, local) && inGroup(cut.a, remote))
      ) {
        return true;
      }
    }
    return false;
  }

  outbound(local: string, remote: string | undefined, kind: 'control' | 'message'): number | 'drop' {
    if (this.uncut && this.delayMs === 0 && this.jitterMs === 0 && this.dropRate === 0) return 0;
    if (remote === undefined ? this.isIsolated(local) : this.isCut(local, remote)) return 'drop';
    if (kind === 'control') return 0;
    if (this.dropRate > 0 && this.random() < this.dropRate) return 'drop';
    return this.delayMs + (this.jitterMs > 0 ? this.random() * this.jitterMs : 0);
  }

  inbound(local: string, remote: string | undefined): boolean {
    if (this.uncut) return true;
    return !(remote === undefined ? this.isIsolated(local) : this.isCut(local, remote));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private isIsolated(node: string): boolean {
    return inGroup(this.isolated, node);
  }

  private changed(): void {
    this.uncut = this.cuts.length === 0 && this.isolated.size === 0;
    for (const listener of [...this.listeners]) listener();
  }
}

function inGroup(group: ReadonlySet<string>, node: string): boolean {
  if (group.has(node)) return true;
  const at = node.indexOf('@');
  return at > 0 && group.has(node.slice(0, at));
}
