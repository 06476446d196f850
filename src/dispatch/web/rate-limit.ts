/**
 * RateLimiter: how many requests per second each client may make, as one token bucket per client
 * address. A pure core: the caller passes the time, so a test can step a clock and a decision
 * never depends on when it runs.
 *
 * ```ts
 * const limiter = new RateLimiter({ ratePerSec: 20, burst: 100 });
 * const verdict = limiter.take('10.0.0.7', performance.now());
 * if (!verdict.ok) refuse429(Math.ceil(verdict.retryAfterMs / 1000));
 * ```
 *
 * A client starts with `burst` tokens; each request takes one; tokens come back at `ratePerSec`
 * up to `burst`. A refused request takes nothing, so a client that keeps asking while refused is
 * let through again as soon as one token is back, no later.
 *
 * Memory: a bucket that has refilled to `burst` is the same as no bucket, so it may be dropped.
 * The map holds at most `maxClients` buckets: past that, full buckets are swept, and if none is
 * full the oldest tenth of the buckets is dropped (those clients get a fresh burst: the price of a
 * bound under a flood of addresses).
 *
 * Clients are keyed by `rateKeyOf(address)`: an IPv4 address, or the /64 prefix of an IPv6 one
 * (one host or site usually holds a whole /64, so counting addresses would give it 2^64 bursts).
 *
 * When not to use: for what a client holds at once (connections, streams), see `client-caps.ts`.
 */

export interface RateLimiterOptions {
  /** Tokens a client gets back per second: its sustained request rate. */
  readonly ratePerSec: number;
  /** Most tokens a client holds: requests it may make at once after a quiet spell. */
  readonly burst: number;
  /** Most clients tracked at once. Default 10,000: about 1 MiB of buckets. */
  readonly maxClients?: number;
}

export type RateVerdict = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  /** Time of the last refill, ms (the caller's clock). */
  at: number;
}

const OK: RateVerdict = { ok: true };

/**
 * The key a client's requests are counted under: the address itself for IPv4 (also when written
 * as IPv4-mapped IPv6), the first four groups (the /64) of an IPv6 address, lower case and
 * without zone; anything else as given.
 */
export function rateKeyOf(address: string): string {
  const a = address.toLowerCase().replace(/%.*$/, '');
  if (!a.includes(':')) return a;
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/.test(a)) return a.slice(7);
  const [head = '', tail] = a.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export class RateLimiter {
  readonly ratePerSec: number;
  readonly burst: number;
  readonly maxClients: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    if (!(Number.isFinite(options.ratePerSec) && options.ratePerSec > 0))
      throw new RangeError(`ratePerSec must be a number > 0, got ${options.ratePerSec}`);
    if (!(Number.isInteger(options.burst) && options.burst >= 1))
      throw new RangeError(`burst must be an integer >= 1, got ${options.burst}`);
    const maxClients = options.maxClients ?? 10_000;
    if (!(Number.isInteger(maxClients) && maxClients >= 1))
      throw new RangeError(`maxClients must be an integer >= 1, got ${maxClients}`);
    this.ratePerSec = options.ratePerSec;
    this.burst = options.burst;
    this.maxClients = maxClients;
  }

  /** Clients tracked now (those with a bucket not yet known to be full). */
  get tracked(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `client` at time `nowMs`, or says how long until one is back. */
  take(client: string, nowMs: number): RateVerdict {
    const bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      this.#makeRoom(nowMs);
      this.#buckets.set(client, { tokens: this.burst - 1, at: nowMs });
      return OK;
    }
    this.#refill(bucket, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return OK;
    }
    return { ok: false, retryAfterMs: ((1 - bucket.tokens) * 1000) / this.ratePerSec };
  }

  #refill(bucket: Bucket, nowMs: number): void {
    // A clock that steps back gives nothing and takes nothing.
    const elapsed = Math.max(0, nowMs - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsed * this.ratePerSec) / 1000);
    bucket.at = Math.max(bucket.at, nowMs);
  }

  #makeRoom(nowMs: number): void {
    if (this.#buckets.size < this.maxClients) return;
    for (const [client, bucket] of this.#buckets) {
      this.#refill(bucket, nowMs);
      if (bucket.tokens >= this.burst) this.#buckets.delete(client);
    }
    if (this.#buckets.size < this.maxClients) return;
    // None was full: drop the oldest tenth (insertion order), so the next sweep is a while away.
    let drop = Math.max(1, Math.floor(this.maxClients / 10));
    for (const client of this.#buckets.keys()) {
      if (drop-- === 0) break;
      this.#buckets.delete(client);
    }
  }
}
