/**
 * The hero population of a benchmark run, created through the HTTP API the way the page does it:
 * `POST /api/heroes`, then `POST /api/heroes/:id/assign` to a city, round-robin over the nodes'
 * APIs and the cities, with a bounded number of requests in flight. Heroes die in the game (about
 * half within 20 of their 4-second loops), so `maintain` keeps creating replacements to hold the
 * population at its target for the whole measurement.
 *
 * ```ts
 * const population = new Population({ nodes, cities: ['gotham', 'metropolis', 'capitol'], feed });
 * await population.maintain(1000, 32, () => feed.liveCount() >= 1000 || late()); // grow
 * const stop = population.background(1000, 8);                                   // hold
 * await stop();
 * ```
 *
 * It counts the hero writes its own calls cause (`causedWrites`) so the benchmark can tell them
 * apart from the heroes' loop writes (`store_write_seconds` counts the writes of hero actors only):
 * an assignment writes once; a create is the service's write, and an actor that starts or moves
 * writes no hero record (a move writes placement records).
 *
 * When not to use: as a load generator of arbitrary write rates — the heroes' own loops are the load.
 */
import { apiRequest } from './api.ts';
import type { EventFeed } from './event-feed.ts';

export interface PopulationOptions {
  /** API entry points, used round-robin. */
  readonly nodes: readonly { readonly webPort: number }[];
  /** Cities to assign new heroes to, round-robin. */
  readonly cities: readonly string[];
  /** The feed that tells how many heroes are alive. */
  readonly feed: EventFeed;
}

export interface PopulationCounts {
  created: number;
  assigned: number;
  /** Requests that failed: HTTP status (0 = no answer) → count. */
  readonly failures: Map<number, number>;
  /** Hero writes (as counted by `store_write_seconds`) caused by these calls. */
  causedWrites: number;
}

export class Population {
  readonly counts: PopulationCounts = { created: 0, assigned: 0, failures: new Map(), causedWrites: 0 };

  readonly #o: PopulationOptions;
  #next = 0;
  #inFlight = 0;

  constructor(options: PopulationOptions) {
    this.#o = options;
  }

  /** Creates one hero and assigns it to the next city; counts what happened. */
  async createOne(): Promise<void> {
    const i = this.#next++;
    const api = this.#o.nodes[i % this.#o.nodes.length] as { webPort: number };
    const city = this.#o.cities[i % this.#o.cities.length] as string;
    const created = await apiRequest(api.webPort, 'POST', '/api/heroes', {});
    if (created.status !== 201) return this.#fail(created.status);
    this.counts.created++;
    const id = (created.json as { id: string }).id;
    const assigned = await apiRequest(api.webPort, 'POST', `/api/heroes/${id}/assign`, { location: city });
    if (assigned.status !== 200) return this.#fail(assigned.status);
    this.counts.assigned++;
    this.counts.causedWrites++;
  }

  /** Counts an assignment made by someone else (the probes) that this population's writes include. */
  noteAssign(): void {
    this.counts.causedWrites++;
  }

  /**
   * Creates heroes with at most `concurrency` in flight whenever fewer than `target` are alive
   * (counting those being created), until `done()` turns true. Idles 100 ms when at target.
   */
  async maintain(target: number, concurrency: number, done: () => boolean): Promise<void> {
    const worker = async (): Promise<void> => {
      while (!done()) {
        if (this.#o.feed.liveCount() + this.#inFlight >= target) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        this.#inFlight++;
        try {
          await this.createOne();
        } finally {
          this.#inFlight--;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** `maintain` in the background until the returned function is called (it resolves when idle). */
  background(target: number, concurrency: number): () => Promise<void> {
    let stop = false;
    const running = this.maintain(target, concurrency, () => stop);
    return async () => {
      stop = true;
      await running;
    };
  }

  #fail(status: number): void {
    this.counts.failures.set(status, (this.counts.failures.get(status) ?? 0) + 1);
  }
}
