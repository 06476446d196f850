/**
 * The failure detector's driver: sends a heartbeat on every watched connection every
 * `heartbeatIntervalMs`, feeds the ones it receives to a `PhiAccrualDetector`, ticks it every
 * `tickIntervalMs`, and when a peer is declared down closes that connection with
 * `PeerUnreachableError` (so its `onClose` handlers, i.e. the node layer, learn it) and tells
 * `onDown` handlers.
 *
 * Every node must run a monitor on every connection: a peer that sends no heartbeats is
 * declared down like a dead one. Other messages received on a watched connection count as signs
 * of life too (checked once per tick, so they cost one counter increment each): a heartbeat
 * queued behind a burst of data does not make a busy but healthy peer look silent. For the same
 * reason a round of heartbeats leaves out a connection on which anything else was sent since
 * the previous round (its `framesSent` moved): the peer heard from us anyway, and a connection
 * that carries other traffic (Raft's own heartbeats, actor messages) costs no extra frame and no
 * extra wake-up of the peer. So `countTraffic` must be the same on every node of a cluster.
 *
 * Example:
 * ```ts
 * const monitor = new HeartbeatMonitor({ logger });
 * monitor.start();
 * transport.onConnection((conn) => monitor.watch(conn));
 * monitor.watch(await transport.connect(address));
 * monitor.onDown(({ peer, silenceMs }) => log.warn({ peer, silenceMs }, 'peer down'));
 * ```
 *
 * Options: everything in `FailureDetectorOptions`, plus `scheduler` (default real timers),
 * `logger` (default silent), `closeOnDown` (default true: a silent connection is useless and a
 * fresh dial after the peer returns gives a clean state), `countTraffic` (default true: other
 * messages restart a peer's silence, and heartbeats go only where nothing else was sent; false
 * judges by heartbeats alone and sends every heartbeat).
 *
 * Lifecycle: `start()` begins ticking; `stop()` cancels the timer (connections stay open).
 * Connections leave the monitor by themselves when they close.
 *
 * Not for: deciding what a down node means for the cluster (membership does).
 */
import pino from 'pino';
import type { Logger } from 'pino';
import { MessageType } from '../../wire/message-types.ts';
import { realScheduler } from '../transport/scheduler.ts';
import type { Scheduler, Timer } from '../transport/scheduler.ts';
import type { Connection } from '../transport/types.ts';
import { FAILURE_DETECTOR_DEFAULTS, PhiAccrualDetector } from './detector.ts';
import type { FailureDetectorOptions } from './detector.ts';
import { PeerUnreachableError } from './errors.ts';

export interface HeartbeatMonitorOptions extends FailureDetectorOptions {
  scheduler?: Scheduler;
  logger?: Logger;
  closeOnDown?: boolean;
  countTraffic?: boolean;
}

export interface PeerDownEvent {
  readonly peer: string;
  readonly incarnation: string;
  readonly phi: number;
  readonly silenceMs: number;
  readonly connection: Connection;
}

interface Watched {
  readonly conn: Connection;
  seq: number;
  /** Messages other than heartbeats received since the last tick. */
  traffic: number;
  /** `conn.framesSent` after the last heartbeat round (undefined: the connection has no count). */
  sentMark: number | undefined;
}

export class HeartbeatMonitor {
  readonly detector: PhiAccrualDetector;
  private readonly scheduler: Scheduler;
  private readonly log: Logger;
  private readonly closeOnDown: boolean;
  private readonly countTraffic: boolean;
  private readonly heartbeatIntervalMs: number;
  private readonly tickIntervalMs: number;
  private readonly watched = new Map<string, Watched>();
  private readonly downHandlers: Array<(event: PeerDownEvent) => void> = [];
  private timer: Timer | undefined;
  private lastHeartbeatAt = -Infinity;
  private nextKey = 0;

  constructor(options: HeartbeatMonitorOptions = {}) {
    const { scheduler, logger, closeOnDown, countTraffic, ...detectorOptions } = options;
    this.detector = new PhiAccrualDetector(detectorOptions);
    this.scheduler = scheduler ?? realScheduler;
    this.log = logger ?? pino({ level: 'silent' });
    this.closeOnDown = closeOnDown ?? true;
    this.countTraffic = countTraffic ?? true;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? FAILURE_DETECTOR_DEFAULTS.heartbeatIntervalMs;
    this.tickIntervalMs = options.tickIntervalMs ?? FAILURE_DETECTOR_DEFAULTS.tickIntervalMs;
  }

  start(): void {
    if (this.timer) return;
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Heartbeats and watches `conn` until it closes. */
  watch(conn: Connection): void {
    if (!conn.isOpen) return;
    const key = `${conn.peerName}#${this.nextKey++}`;
    const entry: Watched = { conn, seq: 0, traffic: 0, sentMark: undefined };
    this.watched.set(key, entry);
    this.detector.add(key, this.scheduler.now());
    conn.onMessage((type) => {
      // Runs for every message: must stay a counter increment for anything but a heartbeat.
      if (type !== MessageType.Heartbeat) {
        entry.traffic++;
        return;
      }
      if (!this.watched.has(key)) return;
      const up = this.detector.heartbeat(key, this.scheduler.now());
      if (up) this.log.info({ peer: conn.peerName }, 'peer heard again');
    });
    conn.onClose(() => {
      this.watched.delete(key);
      this.detector.remove(key);
    });
    this.sendHeartbeat(entry);
  }

  onDown(handler: (event: PeerDownEvent) => void): void {
    this.downHandlers.push(handler);
  }

  /** φ of the first watched connection to `peerName`, or undefined if none is watched. */
  phi(peerName: string): number | undefined {
    for (const [key, { conn }] of this.watched) {
      if (conn.peerName === peerName) return this.detector.phi(key, this.scheduler.now());
    }
    return undefined;
  }

  private sendHeartbeat(entry: Watched): void {
    entry.conn.send(MessageType.Heartbeat, { seq: entry.seq++ });
    entry.sentMark = entry.conn.framesSent;
  }

  private schedule(): void {
    this.timer = this.scheduler.every(() => this.tick(), this.tickIntervalMs);
  }

  private tick(): void {
    const now = this.scheduler.now();
    // Half a tick of slack so timer lateness does not skip every other heartbeat.
    if (now - this.lastHeartbeatAt >= this.heartbeatIntervalMs - this.tickIntervalMs / 2) {
      this.lastHeartbeatAt = now;
      for (const entry of this.watched.values()) {
        // Anything else we sent since the last round already told the peer we are alive (its
        // monitor counts all traffic), as Erlang's distribution ticks only an idle connection.
        const sent = entry.conn.framesSent;
        if (this.countTraffic && sent !== undefined && sent !== entry.sentMark) entry.sentMark = sent;
        else this.sendHeartbeat(entry);
      }
    }
    if (this.countTraffic) {
      for (const [key, entry] of this.watched) {
        if (entry.traffic === 0) continue;
        entry.traffic = 0;
        this.detector.touch(key, now);
      }
    }
    for (const event of this.detector.tick(now)) {
      const entry = this.watched.get(event.peer);
      if (!entry) continue;
      const { conn } = entry;
      const down: PeerDownEvent = {
        peer: conn.peerName,
        incarnation: conn.peerIncarnation,
        phi: event.phi,
        silenceMs: event.silenceMs,
        connection: conn,
      };
      this.log.warn({ peer: down.peer, phi: down.phi, silenceMs: down.silenceMs }, 'peer unreachable');
      for (const handler of this.downHandlers) handler(down);
      if (this.closeOnDown) conn.close(new PeerUnreachableError(down.peer, down.phi, down.silenceMs));
    }
  }
}
