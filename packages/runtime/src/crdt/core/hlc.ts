/**
 * Hybrid logical clock: physical milliseconds plus a logical counter, with the node id as the
 * final tie-break, so stamps are unique, totally ordered and close to wall time.
 *
 * Example:
 * ```ts
 * const clock = new HybridLogicalClock('gotham#1');
 * const a = clock.now(wallMs);                 // { ms, lc, node: 'gotham#1' }
 * const r = clock.receive(remoteStamp, wallMs); // r.bounded: remote was > maxDriftMs ahead
 * compareHlc(a, remoteStamp);                  // -1 | 0 | 1
 * ```
 *
 * API: `HybridLogicalClock` (`now`, `receive`, `peek`), `compareHlc`, `HlcStamp`,
 * `HlcReceiveResult`, `DEFAULT_MAX_DRIFT_MS`.
 *
 * The wall clock is an input, never read here. A remote stamp more than `maxDriftMs` ahead of our
 * wall clock is not adopted (one node with a clock set to next year must not drag every clock
 * along); the result says so, and by how much, so the driver can log it. Skipping it is safe for
 * the map: a causally later write replaces what it observed whatever the stamps say; stamps only
 * order concurrent writes.
 *
 * When not to use: HLC stamps order events, they do not measure durations; use a monotonic clock
 * for timeouts.
 */
import { CrdtOptionError } from './errors.ts';

/** One stamp. Order: `ms`, then `lc`, then `node` (string order). */
export interface HlcStamp {
  /** Physical part, milliseconds since the epoch (as given by the driver's wall clock). */
  readonly ms: number;
  /** Logical counter within the same `ms`. */
  readonly lc: number;
  /** Id of the clock that issued it; the final tie-break. */
  readonly node: string;
}

export interface HlcReceiveResult {
  /** True when the remote stamp was too far ahead and was not adopted. */
  readonly bounded: boolean;
  /** How far the remote physical time is ahead of our wall clock (ms; ≤ 0 when behind). */
  readonly aheadByMs: number;
}

/**
 * Default bound on adopting remote time: 60 s. NTP-synchronised hosts are within milliseconds;
 * a minute is far beyond honest skew yet small enough that a broken clock cannot win every
 * concurrent write for long.
 */
export const DEFAULT_MAX_DRIFT_MS = 60_000;

export function compareHlc(a: HlcStamp, b: HlcStamp): -1 | 0 | 1 {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.lc !== b.lc) return a.lc < b.lc ? -1 : 1;
  if (a.node !== b.node) return a.node < b.node ? -1 : 1;
  return 0;
}

export class HybridLogicalClock {
  readonly node: string;
  readonly maxDriftMs: number;
  #ms = 0;
  #lc = 0;

  constructor(node: string, options: { maxDriftMs?: number } = {}) {
    const maxDriftMs = options.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS;
    if (!(maxDriftMs >= 0)) throw new CrdtOptionError(`maxDriftMs must be ≥ 0, got ${maxDriftMs}`);
    this.node = node;
    this.maxDriftMs = maxDriftMs;
  }

  /** A new stamp for a local event, greater than every stamp issued or adopted before. */
  now(wallMs: number): HlcStamp {
    if (wallMs > this.#ms) {
      this.#ms = wallMs;
      this.#lc = 0;
    } else {
      this.#lc += 1;
    }
    return { ms: this.#ms, lc: this.#lc, node: this.node };
  }

  /**
   * Merge a remote stamp: later local stamps will be greater than it, unless it is more than
   * `maxDriftMs` ahead of `wallMs`, in which case the clock is left alone and `bounded` is set.
   */
  receive(remote: { readonly ms: number; readonly lc: number }, wallMs: number): HlcReceiveResult {
    const aheadByMs = remote.ms - wallMs;
    if (aheadByMs > this.maxDriftMs) return { bounded: true, aheadByMs };
    if (remote.ms > this.#ms || (remote.ms === this.#ms && remote.lc > this.#lc)) {
      this.#ms = remote.ms;
      this.#lc = remote.lc;
    }
    return { bounded: false, aheadByMs };
  }

  /** The last stamp issued or adopted (without issuing a new one). */
  peek(): HlcStamp {
    return { ms: this.#ms, lc: this.#lc, node: this.node };
  }
}
