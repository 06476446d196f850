/**
 * What the main thread and the probe listener's worker thread share: the heartbeat (a monotonic
 * ms stamp in a `SharedArrayBuffer`, written by the main thread, read by the worker) and the
 * messages they exchange.
 *
 * ```ts
 * const heartbeat = new Heartbeat();              // main thread
 * setInterval(() => heartbeat.beat(), 100);
 * new Worker(url, { workerData: { ..., heartbeat: heartbeat.buffer } });
 * const age = new Heartbeat(workerData.heartbeat).ageMs(); // worker: ms since the last beat
 * ```
 *
 * The stamp is `process.hrtime` in ms: one monotonic clock for every thread of the process, so
 * an age read in the worker is the time since the main loop last ran its timer, never a wall-clock
 * jump. `Atomics` makes each stamp a single 64-bit read or write.
 *
 * When not to use: for anything but the probe listener.
 */
import type { ProbeAnswer } from './health-routes.ts';

/** The process's monotonic clock, ms; the same in every thread. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** A ms stamp in shared memory: `beat()` on the main thread, `ageMs()` anywhere. */
export class Heartbeat {
  readonly buffer: SharedArrayBuffer;
  readonly #stamp: BigInt64Array;

  /** A new heartbeat, stamped now; or a view of `buffer`, one made by another thread. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
    this.#stamp = new BigInt64Array(this.buffer, 0, 1);
    if (buffer === undefined) this.beat();
  }

  beat(nowMs = monotonicMs()): void {
    Atomics.store(this.#stamp, 0, BigInt(Math.floor(nowMs)));
  }

  /** Ms since the last beat (0 if the stamp is ahead of `nowMs`). */
  ageMs(nowMs = monotonicMs()): number {
    return Math.max(0, nowMs - Number(Atomics.load(this.#stamp, 0)));
  }
}

/** The worker's start parameters (`workerData`). */
export interface ProbeWorkerData {
  readonly host: string;
  readonly port: number;
  readonly maxConnections: number;
  readonly requestTimeoutMs: number;
  readonly stallAfterMs: number;
  readonly readyTimeoutMs: number;
  readonly node: string;
  /** The main thread's `/livez` answer, served while the heartbeat is fresh. */
  readonly alive: ProbeAnswer;
  readonly heartbeat: SharedArrayBuffer;
}

/** Worker → main thread. */
export type FromProbeWorker =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'failed'; readonly code: string | undefined; readonly message: string }
  /** A `/readyz` request waits for the main thread's answer under this id. */
  | { readonly type: 'readyz'; readonly id: number }
  | { readonly type: 'closed' };

/** Main thread → worker. */
export type ToProbeWorker =
  { readonly type: 'readyz'; readonly id: number; readonly answer: ProbeAnswer } | { readonly type: 'close' };
