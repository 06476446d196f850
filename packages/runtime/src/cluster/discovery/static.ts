/**
 * Static seed list: the addresses given at start-up, offered again every `intervalMs` so a node
 * that lost its connections dials its seeds anew.
 *
 * Example:
 * ```ts
 * const seeds = new StaticDiscovery({ seeds: ['127.0.0.1:4801', 'capitol@127.0.0.1:4802'] });
 * await seeds.start((candidates) => dialAll(candidates));
 * ```
 *
 * Options: `seeds` (`host:port`, `[v6]:port`, `name@host:port` or `{host, port}`; validated
 * here), `intervalMs` (default 5000: re-offer rarely, the node layer also redials on its own),
 * `scheduler` (default real timers).
 *
 * Not for: clusters whose members change addresses; use DNS or gossip.
 */
import { realScheduler } from '../transport/scheduler.ts';
import type { Scheduler, Timer } from '../transport/scheduler.ts';
import type { PeerAddress } from '../transport/types.ts';
import { normalizeCandidates, parseCandidate } from './types.ts';
import type { Candidate, Discovery } from './types.ts';

export interface StaticDiscoveryOptions {
  seeds: ReadonlyArray<string | PeerAddress>;
  intervalMs?: number;
  scheduler?: Scheduler;
}

export class StaticDiscovery implements Discovery {
  private readonly candidates: readonly Candidate[];
  private readonly intervalMs: number;
  private readonly scheduler: Scheduler;
  private timer: Timer | undefined;
  private running = false;

  constructor(options: StaticDiscoveryOptions) {
    this.candidates = normalizeCandidates(
      options.seeds.map((seed) =>
        typeof seed === 'string' ? parseCandidate(seed) : { host: seed.host, port: seed.port },
      ),
    );
    this.intervalMs = options.intervalMs ?? 5000;
    this.scheduler = options.scheduler ?? realScheduler;
    if (!(this.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
  }

  async start(listener: (candidates: readonly Candidate[]) => void): Promise<void> {
    if (this.running) return;
    this.running = true;
    const offer = () => {
      if (!this.running) return;
      listener(this.candidates);
      this.timer = this.scheduler.setTimer(offer, this.intervalMs);
    };
    offer();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
