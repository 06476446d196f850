/**
 * Page event latency probes: assign a live hero through one node's API and time how long until the
 * upsert carrying its new location arrives on another node's event stream — what a user sees
 * between clicking Assign on one page and the change showing on another. The new location always
 * differs from the hero's last known one, so the first matching event is the probe's own write.
 *
 * ```ts
 * const probes = new Probes({ writerPort: 4901, feed, cities, rng, population, ratePerSec: 5 });
 * const stop = probes.start();
 * const { eventMs, apiMs, lost } = probes.take(); // samples since the last take
 * await stop();
 * ```
 *
 * A probe whose assignment fails (dead hero 409, actor moving 503) is dropped and counted in
 * `skipped`; one whose event does not arrive within `lostAfterMs` is counted in `lost`.
 *
 * When not to use: for the latency of every hero change (the feed's arrival time minus the hero's
 * `updatedAt` covers that without writes of its own).
 */
import { apiRequest } from './api.ts';
import type { EventFeed } from './event-feed.ts';
import type { Population } from './population.ts';

export interface ProbeOptions {
  /** Web port of the node that takes the probe writes (not the observer's). */
  readonly writerPort: number;
  /** The observer node's event stream. */
  readonly feed: EventFeed;
  readonly cities: readonly string[];
  /** Uniform in [0, 1): chooses heroes and locations. */
  readonly rng: () => number;
  /** Told of each successful probe assignment, so its writes are not counted as loop writes. */
  readonly population: Population;
  /** Probes started per second. Default 5: enough samples for a p99 in a minute, < 1 % of the load. */
  readonly ratePerSec?: number;
  /** At most this many probes in flight. Default 8: keeps probes from piling up behind an overloaded node. */
  readonly maxInFlight?: number;
  /** A probe event not seen this long after the write answered is lost. Default 10,000 ms. */
  readonly lostAfterMs?: number;
}

export interface ProbeSamples {
  /** From sending the assignment to the event's arrival on the observer, ms. */
  readonly eventMs: number[];
  /** HTTP round trip of the assignment, ms. */
  readonly apiMs: number[];
  lost: number;
  skipped: number;
}

interface Pending {
  readonly location: string;
  readonly sentAt: number;
  eventAt?: number;
  /** Set while the probe waits for its event. */
  wake?: () => void;
}

export class Probes {
  readonly #o: ProbeOptions;
  readonly #locations = new Map<string, string>();
  readonly #pending = new Map<string, Pending>();
  #samples: ProbeSamples = { eventMs: [], apiMs: [], lost: 0, skipped: 0 };
  #inFlight = 0;

  constructor(options: ProbeOptions) {
    this.#o = options;
    options.feed.onHero((hero) => {
      this.#locations.set(hero.id, hero.location);
      const p = this.#pending.get(hero.id);
      if (p && p.eventAt === undefined && hero.location === p.location) {
        p.eventAt = performance.now();
        p.wake?.();
      }
    });
  }

  /** Starts probing at the configured rate; the returned function stops and awaits the probes in flight. */
  start(): () => Promise<void> {
    const running = new Set<Promise<void>>();
    const timer = setInterval(
      () => {
        if (this.#inFlight >= (this.#o.maxInFlight ?? 8)) return;
        const p = this.#probe().finally(() => running.delete(p));
        running.add(p);
      },
      1000 / (this.#o.ratePerSec ?? 5),
    );
    return async () => {
      clearInterval(timer);
      await Promise.all([...running]);
    };
  }

  /** The samples gathered since the previous call. */
  take(): ProbeSamples {
    const out = this.#samples;
    this.#samples = { eventMs: [], apiMs: [], lost: 0, skipped: 0 };
    return out;
  }

  async #probe(): Promise<void> {
    const id = this.#o.feed.pickLive(this.#o.rng());
    if (id === undefined || this.#pending.has(id)) return;
    const current = this.#locations.get(id);
    // Another city than the hero's: the assignment always changes the record (one write).
    const choices = this.#o.cities.filter((l) => l !== current);
    const location = choices[Math.floor(this.#o.rng() * choices.length)] as string;
    const pending: Pending = { location, sentAt: performance.now() };
    this.#pending.set(id, pending);
    this.#inFlight++;
    try {
      const r = await apiRequest(this.#o.writerPort, 'POST', `/api/heroes/${id}/assign`, { location });
      if (r.status !== 200) {
        this.#samples.skipped++;
        return;
      }
      this.#o.population.noteAssign();
      this.#samples.apiMs.push(r.ms);
      if (pending.eventAt === undefined) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#o.lostAfterMs ?? 10_000);
          pending.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      if (pending.eventAt === undefined) this.#samples.lost++;
      else this.#samples.eventMs.push(pending.eventAt - pending.sentAt);
    } finally {
      this.#pending.delete(id);
      this.#inFlight--;
    }
  }
}
