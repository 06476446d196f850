/**
 * Phi-accrual failure detector for many peers, aware of its own event loop's stalls. Pure: every
 * method takes `now` (ms, monotonic); nothing reads a clock or sets a timer.
 *
 * A peer is declared down when the φ of its current silence reaches `threshold`. With the
 * defaults (heartbeat every 100 ms, φ 8, 600 ms acceptable pause, 100 ms stddev floor) a peer
 * that falls silent is declared down about 1.2–1.3 s after its last heartbeat.
 *
 * Own stalls: the driver calls `tick` every `tickIntervalMs`, and every input carries `now`. A
 * gap between consecutive inputs longer than `stallThresholdMs` means our own event loop was
 * stalled (GC, a long synchronous handler, CPU starvation, SIGSTOP): heartbeats that peers sent
 * meanwhile are still waiting in our socket buffers, so their silence cannot be judged yet. The
 * detector then declares nobody down for `stallGraceMs` — one tick by default: Node polls its
 * sockets between two timer phases, so by the next tick everything that queued up during the
 * stall has been read — and takes no inter-arrival samples from that burst. After that,
 * silence is judged in real time again: a stall of any length accuses no healthy peer, a peer
 * that really died before the stall is found at the next tick, and nothing is discounted, so
 * stalls (even constant ones under CPU starvation) delay a verdict by at most one tick.
 *
 * Example:
 * ```ts
 * const detector = new PhiAccrualDetector();
 * detector.add('metropolis', now);
 * detector.heartbeat('metropolis', now + 100);
 * for (const event of detector.tick(now + 2000)) console.log(event.peer, event.status); // 'down'
 * ```
 *
 * Other traffic: `touch(peer, now)` records any other sign of life (a message that is not a
 * heartbeat). It restarts the silence but adds no inter-arrival sample, so the statistics stay
 * those of the heartbeats; it keeps a peer whose heartbeats are queued behind a burst of data on
 * the same connection from looking silent while its data is still arriving. A heartbeat that
 * follows other traffic adds no sample either: a peer leaves out heartbeats while it sends
 * other messages, and the time back to its previous heartbeat would be a gap it never had.
 *
 * API: `add`, `remove`, `heartbeat` (returns an `up` event when a down peer speaks again),
 * `touch` (the same for other traffic), `tick` (returns `down` events), `phi`, `status`,
 * `silence`, `stalls`, `stalledMs` (metrics).
 *
 * Not for: deciding membership. It reports suspicion per connection; the node layer decides
 * what a down peer means (close the connection, mark the node down, fail over).
 */
import { ArrivalWindow, phi as phiOf } from './phi.ts';

export interface FailureDetectorOptions {
  /** Expected interval between a peer's heartbeats, ms. Default 100: about 1.2 s detection time. */
  heartbeatIntervalMs?: number;
  /** φ at which a peer is declared down. Default 8 (about a 10⁻⁷ chance, under the model, of being wrong; see phi.ts). */
  threshold?: number;
  /**
   * Silence tolerated on top of the mean interval, ms. Default 600: absorbs a peer's GC pause or
   * a 250 ms stall of its event loop, while a dead peer is still found well within 2 s.
   */
  acceptablePauseMs?: number;
  /**
   * Floor of the standard deviation, ms. Default 100: on a quiet LAN the measured spread is a
   * few ms and would make φ jump on the first late heartbeat.
   */
  minStdDevMs?: number;
  /** Inter-arrival samples kept per peer. Default 200: 20 s of history at the default interval. */
  maxSamples?: number;
  /** How often the driver calls `tick`, ms. Default 50. */
  tickIntervalMs?: number;
  /**
   * A gap between inputs longer than this (ms) is our own stall. Default 200: four ticks; timer
   * lateness on a busy loop stays below it, a 250 ms stall does not.
   */
  stallThresholdMs?: number;
  /**
   * After a stall, ms during which nobody is declared down and no samples are taken. Default 50
   * (one tick): the event loop reads the sockets before its next timer phase, so the heartbeats
   * queued during the stall are in by the next tick.
   */
  stallGraceMs?: number;
}

export type PeerStatus = 'up' | 'down';

export interface DetectorEvent {
  readonly peer: string;
  readonly status: PeerStatus;
  /** φ when the event was raised. */
  readonly phi: number;
  /** Silence (time since the last heartbeat) when the event was raised, ms. */
  readonly silenceMs: number;
}

export const FAILURE_DETECTOR_DEFAULTS = {
  heartbeatIntervalMs: 100,
  threshold: 8,
  acceptablePauseMs: 600,
  minStdDevMs: 100,
  maxSamples: 200,
  tickIntervalMs: 50,
  stallThresholdMs: 200,
  stallGraceMs: 50,
} as const;

type Resolved = { readonly [K in keyof typeof FAILURE_DETECTOR_DEFAULTS]: number };

interface PeerState {
  readonly window: ArrivalWindow;
  /** Time of the last heartbeat (or of `add`): where the next inter-arrival sample starts. */
  lastArrival: number;
  /** Time of the last sign of life of any kind (heartbeat, other traffic, `add`): where silence starts. */
  lastSeen: number;
  /** False until the first real heartbeat: the interval from `add` is not a sample. */
  sampled: boolean;
  status: PeerStatus;
}

export class PhiAccrualDetector {
  private readonly options: Resolved;
  private readonly peers = new Map<string, PeerState>();
  private lastInput: number | undefined;
  private stalledTotal = 0;
  private graceUntil = -Infinity;
  private stallCount = 0;

  constructor(options: FailureDetectorOptions = {}) {
    const resolved = { ...FAILURE_DETECTOR_DEFAULTS, ...options };
    for (const [key, value] of Object.entries(resolved)) {
      if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
        throw new RangeError(`${key} must be a positive number, got ${String(value)}`);
      }
    }
    this.options = resolved;
  }

  /** Own stalls seen so far. */
  get stalls(): number {
    return this.stallCount;
  }

  /** Total time our own loop was seen stalled (beyond the tick interval), ms. */
  get stalledMs(): number {
    return this.stalledTotal;
  }

  /** Starts watching `peer`; `now` counts as its first sign of life. */
  add(peer: string, now: number): void {
    this.observe(now);
    this.peers.set(peer, {
      window: new ArrivalWindow(this.options.maxSamples, this.options.heartbeatIntervalMs),
      lastArrival: now,
      lastSeen: now,
      sampled: false,
      status: 'up',
    });
  }

  remove(peer: string): void {
    this.peers.delete(peer);
  }

  has(peer: string): boolean {
    return this.peers.has(peer);
  }

  status(peer: string): PeerStatus | undefined {
    return this.peers.get(peer)?.status;
  }

  /** Records a heartbeat; returns an `up` event if the peer was down. Unknown peers are ignored. */
  heartbeat(peer: string, now: number): DetectorEvent | undefined {
    this.observe(now);
    const state = this.peers.get(peer);
    if (!state) return undefined;
    const quiet = state.lastSeen <= state.lastArrival; // no other traffic since the last heartbeat
    if (state.sampled && quiet && now >= this.graceUntil) state.window.add(now - state.lastArrival);
    state.sampled = true;
    state.lastArrival = Math.max(state.lastArrival, now);
    return this.seen(peer, state, now);
  }

  /**
   * Records a sign of life that is not a heartbeat: restarts the silence, takes no sample.
   * Returns an `up` event if the peer was down. Unknown peers are ignored.
   */
  touch(peer: string, now: number): DetectorEvent | undefined {
    this.observe(now);
    const state = this.peers.get(peer);
    return state ? this.seen(peer, state, now) : undefined;
  }

  private seen(peer: string, state: PeerState, now: number): DetectorEvent | undefined {
    state.lastSeen = Math.max(state.lastSeen, now);
    if (state.status === 'up') return undefined;
    state.status = 'up';
    return { peer, status: 'up', phi: 0, silenceMs: 0 };
  }

  /** Periodic check (every `tickIntervalMs`); returns the peers declared down by this tick. */
  tick(now: number): DetectorEvent[] {
    this.observe(now);
    if (now < this.graceUntil) return [];
    const events: DetectorEvent[] = [];
    for (const [peer, state] of this.peers) {
      if (state.status === 'down') continue;
      const value = this.phiOf(state, now);
      if (value >= this.options.threshold) {
        state.status = 'down';
        events.push({ peer, status: 'down', phi: value, silenceMs: now - state.lastSeen });
      }
    }
    return events;
  }

  /** Current φ of `peer` (0 for unknown peers). */
  phi(peer: string, now: number): number {
    const state = this.peers.get(peer);
    return state ? this.phiOf(state, now) : 0;
  }

  /** Time since `peer`'s last sign of life (heartbeat or other traffic), ms. */
  silence(peer: string, now: number): number {
    const state = this.peers.get(peer);
    return state ? now - state.lastSeen : 0;
  }

  private phiOf(state: PeerState, now: number): number {
    const { window } = state;
    const mean = window.mean + this.options.acceptablePauseMs;
    const stdDev = Math.max(window.stdDev, this.options.minStdDevMs);
    return phiOf(now - state.lastSeen, mean, stdDev);
  }

  /** Notices our own stalls from the gap since the previous input. */
  private observe(now: number): void {
    const last = this.lastInput;
    if (last !== undefined && now - last > this.options.stallThresholdMs) {
      this.stalledTotal += now - last - this.options.tickIntervalMs;
      this.graceUntil = now + this.options.stallGraceMs;
      this.stallCount++;
    }
    if (last === undefined || now > last) this.lastInput = now;
  }
}
