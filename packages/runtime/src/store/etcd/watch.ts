/**
 * One etcd watch that survives reconnects: it delivers every event of a key range after a given
 * revision, in revision order, each once, over as many gRPC watch streams as it takes.
 *
 * ```ts
 * const w = new WatchLoop({ client, range, after: 41, log,
 *   events: (evs) => evs.forEach((e) => console.log(e.kv.mod_revision)),
 *   compacted: async (at) => { const r = await reread(); return r.revision; } });
 * w.start();
 * await w.stop();
 * ```
 *
 * No gap, no duplicate: the loop keeps the revision up to which it has delivered (`revision`: the
 * last event's, or a progress notification's) and opens each new stream at `revision + 1`; events at
 * or below it are dropped. (etcd's response header is not used to resume: while a watcher catches
 * up, a response may carry the current revision with more events still to come.)
 *
 * Compaction: if the history after `revision` was compacted, etcd cancels the watch; `compacted` is
 * called with the compaction revision and returns the revision to resume from (after a re-read), or
 * `undefined` to stop the loop.
 *
 * Reconnects back off from 100 ms to 2 s. A stream error is logged at debug level and retried; it is
 * not an error of the store, whose requests report their own failures.
 *
 * When not to use: one-off reads; use a range request.
 */
import type { Logger } from 'pino';
import type { Etcd3, IEvent, IWatchResponse } from 'etcd3';
import type { KeyRange } from './keys.ts';

export interface WatchLoopOptions {
  readonly client: Etcd3;
  readonly range: KeyRange;
  /** Deliver events with revisions above this one. */
  readonly after: number;
  readonly log: Logger;
  /** Request the previous value of each key with its event. Default false. */
  readonly prevKv?: boolean;
  /** The events of one response, revision order, all above the last delivered revision. Must not throw. */
  readonly events: (events: IEvent[]) => void;
  readonly compacted: (compactRevision: number) => Promise<number | undefined>;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

export class WatchLoop {
  private readonly o: WatchLoopOptions;
  private rev: number;
  private stopped = false;
  private running: Promise<void> | undefined;
  private close: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(options: WatchLoopOptions) {
    this.o = options;
    this.rev = options.after;
  }

  /** Every event up to this revision has been delivered. */
  get revision(): number {
    return this.rev;
  }

  start(): void {
    this.running ??= this.run();
  }

  /**
   * Replaces the current stream by a new one from the last delivered revision (nothing lost,
   * nothing twice): for when the connection under it may have died without a word, as after a
   * network cut, which gRPC's keepalive would otherwise find only after ~15 s.
   */
  renew(): void {
    this.close?.();
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.close?.();
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.stopped) {
      let outcome: { compacted: number } | 'ended';
      try {
        outcome = await this.once(() => (backoff = MIN_BACKOFF_MS));
      } catch (err) {
        if (this.stopped) break;
        this.o.log.debug({ err, revision: this.rev }, 'etcd watch stream failed; reconnecting');
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, backoff).unref();
        });
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (outcome !== 'ended') {
        const next = await this.o.compacted(outcome.compacted);
        if (next === undefined) break;
        this.rev = next;
      }
    }
  }

  /** One stream: resolves when it ends or reports compaction, rejects on a stream error. */
  private async once(healthy: () => void): Promise<{ compacted: number } | 'ended'> {
    const stream = await this.o.client.watchClient.watch();
    let live = true;
    try {
      return await new Promise((resolve, reject) => {
        this.close = () => resolve('ended');
        if (this.stopped) return resolve('ended');
        stream.on('data', (res: IWatchResponse) => {
          if (!live) return; // a late response of a stream being replaced: the next one resends it
          if (res.canceled) {
            const at = Number(res.compact_revision);
            if (at > 0) resolve({ compacted: at });
            else reject(new Error(`etcd watch canceled: ${res.cancel_reason}`));
            return;
          }
          healthy();
          this.handle(res);
        });
        stream.on('error', reject);
        stream.on('end', () => resolve('ended'));
        stream.write({
          create_request: {
            key: this.o.range.key,
            range_end: this.o.range.rangeEnd,
            start_revision: String(this.rev + 1),
            progress_notify: true,
            prev_kv: this.o.prevKv === true,
          },
        });
      });
    } finally {
      live = false;
      this.close = undefined;
      stream.on('error', () => undefined); // a late error of a stream being closed has no reader
      stream.end();
    }
  }

  private handle(res: IWatchResponse): void {
    const events = (res.events ?? []).filter((e) => Number(e.kv.mod_revision) > this.rev);
    if (events.length > 0) {
      this.rev = Number(events.at(-1)!.kv.mod_revision);
      this.o.events(events);
    } else if (!res.created && (res.events ?? []).length === 0) {
      // A progress notification: sent only to a watcher that is in sync, so nothing is pending.
      this.rev = Math.max(this.rev, Number(res.header.revision));
    }
  }
}
