/**
 * A client of one node's live event stream (`GET /api/events`, server-sent events in JSON): it
 * keeps the set of live hero ids, counts hero events, and hands every hero upsert to a listener
 * with its arrival time, which is what the benchmark's latency figures are made of.
 *
 * ```ts
 * const feed = await openEventFeed(4900);
 * feed.onHero((hero, arrivedAt) => { … });   // arrivedAt: Date.now() at arrival, ms
 * feed.liveCount();                            // heroes this node has seen and not seen deleted
 * feed.pickLive(rng());                        // one of them, for a probe
 * feed.close();
 * ```
 *
 * Resolves once the server's `ready` event arrives (everything after it is delivered). If the
 * server disconnects (a slow reader is cut off past 1 MiB of backlog), `disconnects` counts it and
 * the feed reconnects (every 200 ms until it succeeds or is closed); events missed meanwhile are
 * lost, and the live set is rebuilt from `GET /api/heroes`.
 *
 * When not to use: for the page's HTML fragments (`?format=html`).
 */
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { apiRequest } from './api.ts';

export interface HeroEvent {
  readonly id: string;
  readonly location: string;
  readonly node: string;
  readonly health: number;
  readonly updatedAt: number;
}

export interface EventFeed {
  onHero(listener: (hero: HeroEvent, arrivedAt: number) => void): void;
  /** A live hero chosen by `r` (uniform in [0, 1)), or undefined when none is known. */
  pickLive(r: number): string | undefined;
  /** Heroes seen alive and not seen deleted since the feed opened. */
  liveCount(): number;
  /** Hero upserts and deletions received so far. */
  readonly counts: { heroEvents: number; deletions: number; disconnects: number };
  close(): void;
}

export async function openEventFeed(webPort: number): Promise<EventFeed> {
  const live = new IdSet();
  const listeners: ((hero: HeroEvent, arrivedAt: number) => void)[] = [];
  const counts = { heroEvents: 0, deletions: 0, disconnects: 0 };
  let closed = false;
  let current: IncomingMessage | undefined;

  const dispatch = (type: string, data: string): void => {
    const arrivedAt = Date.now();
    if (type === 'hero') {
      const hero = (JSON.parse(data) as { hero: HeroEvent }).hero;
      counts.heroEvents++;
      if (hero.health > 0) live.add(hero.id);
      else live.delete(hero.id);
      for (const l of listeners) l(hero, arrivedAt);
    } else if (type === 'hero-deleted') {
      counts.deletions++;
      live.delete((JSON.parse(data) as { id: string }).id);
    }
  };

  const refill = async (): Promise<void> => {
    const r = await apiRequest(webPort, 'GET', '/api/heroes');
    if (r.status !== 200) return;
    // Deaths missed while disconnected must not linger: the list replaces the set.
    live.reset((r.json as { heroes: HeroEvent[] }).heroes.filter((h) => h.health > 0).map((h) => h.id));
  };
  const reconnect = (): void => {
    if (closed) return;
    setTimeout(() => void connect().then(refill, reconnect), 200);
  };

  const connect = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: webPort, path: '/api/events?format=json' }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`event stream answered ${res.statusCode}`));
          return;
        }
        current = res;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = 'message';
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('event: ')) type = line.slice(7);
              else if (line.startsWith('data: ')) data += (data ? '\n' : '') + line.slice(6);
            }
            if (type === 'ready') resolve();
            else if (data) dispatch(type, data);
          }
        });
        res.on('close', () => {
          if (closed) return;
          counts.disconnects++;
          reconnect();
        });
      });
      req.on('error', reject);
      req.end();
    });

  await connect();
  return {
    onHero: (listener) => void listeners.push(listener),
    pickLive: (r) => live.pick(r),
    liveCount: () => live.size,
    counts,
    close() {
      closed = true;
      current?.destroy();
    },
  };
}

/** A set of ids with O(1) add, delete and uniform pick (array plus index, swap-remove). */
class IdSet {
  readonly #ids: string[] = [];
  readonly #index = new Map<string, number>();

  get size(): number {
    return this.#ids.length;
  }

  add(id: string): void {
    if (this.#index.has(id)) return;
    this.#index.set(id, this.#ids.length);
    this.#ids.push(id);
  }

  delete(id: string): void {
    const i = this.#index.get(id);
    if (i === undefined) return;
    const last = this.#ids.pop() as string;
    this.#index.delete(id);
    if (last !== id) {
      this.#ids[i] = last;
      this.#index.set(last, i);
    }
  }

  reset(ids: readonly string[]): void {
    this.#ids.length = 0;
    this.#index.clear();
    for (const id of ids) this.add(id);
  }

  pick(r: number): string | undefined {
    return this.#ids[Math.floor(r * this.#ids.length)];
  }
}
