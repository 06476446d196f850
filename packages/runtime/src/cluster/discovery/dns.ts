/**
 * DNS discovery, re-polled every `intervalMs`, the way a Kubernetes headless service is read:
 * - `records: 'a'` (default): the A and AAAA records of `query`, each with the fixed `port`
 *   (`my-cluster.default.svc.cluster.local` answers one A record per ready pod);
 * - `records: 'srv'`: the SRV records of `query` give target and port per node
 *   (`_dist._tcp.my-cluster.default.svc.cluster.local`); each target is resolved to its A/AAAA
 *   addresses with the same resolver, falling back to the target name if it has none.
 *
 * Example:
 * ```ts
 * const dns = new DnsDiscovery({ query: 'superhero.default.svc.cluster.local', port: 4800 });
 * await dns.start((candidates) => dialAll(candidates));
 * ```
 *
 * Options: `query`; `records` ('a' | 'srv', default 'a'); `port` (required for 'a');
 * `servers` (DNS servers as `ip` or `ip:port`, default the system's); `intervalMs` (default 5000,
 * like libcluster's Kubernetes DNS strategy: new pods are found within seconds without loading
 * the DNS server); `timeoutMs` (per query, default 2000, so a dead server cannot hold a poll for
 * long); `logger` (default silent); `scheduler` (default real timers).
 *
 * A name that does not exist or has no records of a type counts as an empty answer; any other
 * failure (timeout, refused, server failure) is logged at `warn` and that poll offers nothing,
 * so a flaky DNS server never shrinks the view to nothing. Polls never overlap.
 *
 * Not for: names the system resolver must handle (search domains, /etc/hosts); this queries DNS
 * servers directly.
 */
import { Resolver } from 'node:dns/promises';
import pino from 'pino';
import type { Logger } from 'pino';
import { realScheduler } from '../transport/scheduler.ts';
import type { Scheduler, Timer } from '../transport/scheduler.ts';
import { normalizeCandidates } from './types.ts';
import type { Candidate, Discovery } from './types.ts';

export interface DnsDiscoveryOptions {
  query: string;
  records?: 'a' | 'srv';
  port?: number;
  servers?: readonly string[];
  intervalMs?: number;
  timeoutMs?: number;
  logger?: Logger;
  scheduler?: Scheduler;
}

const EMPTY_ANSWER = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

export class DnsDiscovery implements Discovery {
  private readonly query: string;
  private readonly records: 'a' | 'srv';
  private readonly port: number;
  private readonly resolver: Resolver;
  private readonly intervalMs: number;
  private readonly log: Logger;
  private readonly scheduler: Scheduler;
  private listener: ((candidates: readonly Candidate[]) => void) | undefined;
  private timer: Timer | undefined;
  private polling = false;

  constructor(options: DnsDiscoveryOptions) {
    this.query = options.query;
    this.records = options.records ?? 'a';
    this.port = options.port ?? 0;
    if (this.records === 'a' && !(Number.isInteger(this.port) && this.port > 0 && this.port < 65536)) {
      throw new RangeError('DnsDiscovery with A records needs the port the nodes listen on');
    }
    if (!this.query) throw new TypeError('query must be a DNS name');
    this.resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: 1 });
    if (options.servers) this.resolver.setServers([...options.servers]);
    this.intervalMs = options.intervalMs ?? 5000;
    if (!(this.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
    this.log = options.logger ?? pino({ level: 'silent' });
    this.scheduler = options.scheduler ?? realScheduler;
  }

  async start(listener: (candidates: readonly Candidate[]) => void): Promise<void> {
    if (this.listener) return;
    this.listener = listener;
    const loop = () => {
      if (!this.listener) return;
      void this.poll().finally(() => {
        if (this.listener) this.timer = this.scheduler.setTimer(loop, this.intervalMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.listener = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    this.resolver.cancel();
  }

  /** One resolution; also what the timer runs. Resolves with the view it offered, if any. */
  async poll(): Promise<readonly Candidate[] | undefined> {
    if (this.polling) return undefined;
    this.polling = true;
    try {
      const candidates =
        this.records === 'srv' ? await this.resolveSrv() : await this.resolveA(this.query, this.port);
      if (candidates === undefined) return undefined;
      const view = normalizeCandidates(candidates);
      this.listener?.(view);
      return view;
    } finally {
      this.polling = false;
    }
  }

  /** Candidates for all A and AAAA records of `name`, or undefined if DNS failed. */
  private async resolveA(name: string, port: number): Promise<Candidate[] | undefined> {
    const [v4, v6] = await Promise.all([
      this.lookup(() => this.resolver.resolve4(name)),
      this.lookup(() => this.resolver.resolve6(name)),
    ]);
    if (v4 === undefined && v6 === undefined) return undefined;
    return [...(v4 ?? []), ...(v6 ?? [])].map((host) => ({ host, port }));
  }

  private async resolveSrv(): Promise<Candidate[] | undefined> {
    const records = await this.lookup(() => this.resolver.resolveSrv(this.query));
    if (records === undefined) return undefined;
    const perTarget = await Promise.all(
      records.map(async ({ name, port }) => {
        const addresses = await this.resolveA(name, port);
        return addresses && addresses.length > 0 ? addresses : [{ host: name, port }];
      }),
    );
    return perTarget.flat();
  }

  /** Runs one query: an empty answer is `[]`, a failure is logged and `undefined`. */
  private async lookup<T>(query: () => Promise<T[]>): Promise<T[] | undefined> {
    try {
      return await query();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (EMPTY_ANSWER.has(code)) return [];
      if (code !== 'ECANCELLED')
        this.log.warn({ err, code, query: this.query }, 'DNS discovery query failed');
      return undefined;
    }
  }
}
