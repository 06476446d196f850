/**
 * This node's liveness in etcd: a lease kept alive while etcd answers, and a key under it
 * (`<prefix>n/<node>`) that names the node for as long as the lease lives. `alive()` is what the
 * etcd store reports as `writable()`: a node that has not had a keepalive acknowledged within
 * the lease's TTL may already have been given up by etcd, so it stops acting as an owner — the
 * placement layer stops its children after the store has been unwritable for a while, as it does on
 * quorum loss with the Raft store.
 *
 * ```ts
 * const live = new Liveness({ client, prefix: '/superhero/', node: 'gotham', ttlSeconds: 5, log });
 * live.start();
 * live.alive();          // false until the first grant, and again once keepalives stop
 * await live.stop();     // revokes the lease: the node's key goes at once
 * ```
 *
 * Timing (defaults): TTL 5 s (etcd refuses less than about 1.5 election timeouts; 3 s lapsed
 * needlessly on a machine loaded to 15× its cores, where a keepalive's answer took over a second), a
 * keepalive every TTL / 3 with a deadline of TTL / 3. `alive()` turns false one keepalive interval before
 * the TTL runs out on the server's side, so a node gives up its children before etcd gives up its
 * lease. A lease etcd reports expired (TTL 0) is replaced by a new grant.
 *
 * When not to use: mutual exclusion by itself. A paused process may still believe it is alive;
 * ownership is fenced by record revisions (`placement/fence.ts`), not by the lease.
 */
import type { Logger } from 'pino';
import type { Etcd3 } from 'etcd3';
import { livenessKey } from './keys.ts';

export interface LivenessOptions {
  readonly client: Etcd3;
  readonly prefix: string;
  readonly node: string;
  /** Lease TTL, seconds. Default 5. */
  readonly ttlSeconds?: number;
  readonly log: Logger;
  /** Called when `alive()` changes. */
  readonly onChange?: (alive: boolean) => void;
}

export class Liveness {
  private readonly o: LivenessOptions;
  private readonly ttlMs: number;
  private lease: string | undefined;
  /** When the last keepalive (or the grant) was acknowledged; performance.now() ms. */
  private ackedAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight = false;
  private wasAlive = false;
  private stopped = false;

  constructor(options: LivenessOptions) {
    this.o = options;
    this.ttlMs = (options.ttlSeconds ?? 5) * 1000;
  }

  /** Starts the keepalives; resolves after the first attempt (`alive()` tells whether it worked). */
  start(): Promise<void> {
    const every = this.ttlMs / 3;
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
    return this.beat();
  }

  /** A keepalive was acknowledged recently enough that etcd still holds the lease. */
  alive(): boolean {
    return !this.stopped && performance.now() - this.ackedAt < this.ttlMs - this.ttlMs / 3;
  }

  /** The current lease id (decimal), if granted. */
  leaseId(): string | undefined {
    return this.lease;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    if (lease === undefined) return;
    await this.o.client.leaseClient
      .leaseRevoke({ ID: lease }, { deadline: Date.now() + 2000 })
      .catch((err: unknown) => this.o.log.debug({ err }, 'lease revoke failed; it expires by itself'));
  }

  private async beat(): Promise<void> {
    if (this.inFlight || this.stopped) return;
    this.inFlight = true;
    try {
      const deadline = Date.now() + this.ttlMs / 3;
      const sent = performance.now();
      if (this.lease === undefined || !(await this.keepalive(this.lease, deadline))) {
        const granted = await this.o.client.leaseClient.leaseGrant({ TTL: this.ttlMs / 1000 }, { deadline });
        await this.o.client.kv.put(
          {
            key: livenessKey(this.o.prefix, this.o.node),
            value: Buffer.from(this.o.node),
            lease: granted.ID,
          },
          { deadline: Date.now() + this.ttlMs / 3 },
        );
        this.lease = granted.ID;
      }
      this.ackedAt = sent;
    } catch (err) {
      this.o.log.debug({ err, node: this.o.node }, 'etcd lease keepalive failed');
    } finally {
      this.inFlight = false;
      this.report();
    }
  }

  /** One keepalive on a stream of its own; false when etcd says the lease has expired. */
  private async keepalive(lease: string, deadline: number): Promise<boolean> {
    const stream = await this.o.client.leaseClient.leaseKeepAlive({ deadline });
    try {
      const res = await new Promise<{ TTL: string }>((resolve, reject) => {
        stream.on('data', resolve);
        stream.on('error', reject);
        stream.write({ ID: lease });
      });
      return Number(res.TTL) > 0;
    } finally {
      stream.on('error', () => undefined); // the stream is ended below; a late error has no reader
      stream.end();
    }
  }

  private report(): void {
    const now = this.alive();
    if (now !== this.wasAlive) {
      this.wasAlive = now;
      this.o.onChange?.(now);
    }
  }
}
