/**
 * The simulated network of the CRDT simulator: per-message latency, loss, duplication and
 * reordering drawn from a seeded random stream, and partitions between groups of nodes.
 *
 * Example:
 * ```ts
 * const net = new SimNetwork(rng, { latencyMs: [0.2, 2], dropRate: 0.05 });
 * net.partition([['n0'], ['n1', 'n2']]);
 * net.deliveries('n0', 'n1');   // [] while cut off; otherwise 0, 1 or 2 delays in ms
 * net.heal();
 * ```
 *
 * API: `SimNetwork` (`deliveries`, `reachable`, `partition`, `heal`, `groups`),
 * `NetworkOptions`, `resolveNetworkOptions`.
 *
 * Nodes not named in a partition (e.g. a control-plane dispatcher) reach everyone.
 *
 * When not to use: it models loss and delay, not bandwidth or congestion.
 */
import type { SimRandom } from '../sim/index.ts';

export interface NetworkOptions {
  /** One-way latency, uniform in [min, max] ms. Default [0.2, 2]: a LAN or loopback under load. */
  readonly latencyMs?: readonly [number, number];
  /** Probability a message is lost. Default 0. */
  readonly dropRate?: number;
  /** Probability a message is delivered twice (independent delays). Default 0. */
  readonly duplicateRate?: number;
  /** Probability a message is held back by up to `reorderDelayMs` extra. Default 0. */
  readonly reorderRate?: number;
  /** Extra delay of a held-back message, uniform in [0, this] ms. Default 50. */
  readonly reorderDelayMs?: number;
}

export type ResolvedNetworkOptions = Required<NetworkOptions>;

export function resolveNetworkOptions(options: NetworkOptions = {}): ResolvedNetworkOptions {
  return {
    latencyMs: options.latencyMs ?? [0.2, 2],
    dropRate: options.dropRate ?? 0,
    duplicateRate: options.duplicateRate ?? 0,
    reorderRate: options.reorderRate ?? 0,
    reorderDelayMs: options.reorderDelayMs ?? 50,
  };
}

export class SimNetwork {
  options: ResolvedNetworkOptions;
  readonly #rng: SimRandom;
  #groupOf = new Map<string, number>();

  constructor(rng: SimRandom, options: NetworkOptions = {}) {
    this.#rng = rng;
    this.options = resolveNetworkOptions(options);
  }

  /** Delays (ms) after which copies of a message from `from` to `to` arrive; [] when lost. */
  deliveries(from: string, to: string): number[] {
    if (!this.reachable(from, to)) return [];
    const o = this.options;
    if (this.#rng.chance(o.dropRate)) return [];
    const one = (): number => {
      let d = this.#rng.between(o.latencyMs[0], o.latencyMs[1]);
      if (this.#rng.chance(o.reorderRate)) d += this.#rng.between(0, o.reorderDelayMs);
      return d;
    };
    const out = [one()];
    if (this.#rng.chance(o.duplicateRate)) out.push(one());
    return out;
  }

  reachable(a: string, b: string): boolean {
    const ga = this.#groupOf.get(a);
    const gb = this.#groupOf.get(b);
    return ga === undefined || gb === undefined || ga === gb;
  }

  /** Cut the named nodes into groups that cannot reach each other. */
  partition(groups: readonly (readonly string[])[]): void {
    this.#groupOf = new Map();
    groups.forEach((group, i) => {
      for (const node of group) this.#groupOf.set(node, i);
    });
  }

  heal(): void {
    this.#groupOf = new Map();
  }

  get partitioned(): boolean {
    return this.#groupOf.size > 0;
  }
}
