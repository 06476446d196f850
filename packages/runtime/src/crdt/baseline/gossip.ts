/**
 * The seeds' replication, as pure state machines with the same shape as the delta replicator
 * (inputs in, effects out), so a simulator or benchmark can run both side by side.
 *
 * - `BaselineReplica`: a City. It applies local writes to its `BaselineMap`, answers `get` with
 *   its whole data, and merges whole data it is sent.
 * - `BaselineDispatcher`: the dispatch node's gossip server. Every `intervalMs` (1000, as in the
 *   seeds) it picks one random source and a different random destination among the live replicas,
 *   asks the source for its whole data and casts it to the destination. One full-state transfer
 *   per second for the whole cluster, whatever its size.
 *
 * Example:
 * ```ts
 * const d = new BaselineDispatcher();
 * d.step({ type: 'peerUp', peer: 'gotham#1' });
 * d.step({ type: 'tick', nowMs, random: rng() }); // [{ type: 'send', to: src, message: { type: 'baselineGet' } }]
 * ```
 *
 * API: `BaselineReplica`, `BaselineDispatcher`, `BaselineMessage`, `BaselineInput`,
 * `BaselineEffect`, `BASELINE_GOSSIP_MS`.
 *
 * When not to use: only as a baseline; see `lww-map.ts` for its flaws.
 */
import { BaselineMap, type BaselineData } from './lww-map.ts';

/** The seeds' gossip period: one random pair per second. */
export const BASELINE_GOSSIP_MS = 1000;

export type BaselineMessage<V> =
  { readonly type: 'baselineGet' } | { readonly type: 'baselineState'; readonly data: BaselineData<V> };

export type BaselineInput<V> =
  | { readonly type: 'put'; readonly key: string; readonly value: V; readonly nowMs: number }
  | { readonly type: 'delete'; readonly key: string; readonly nowMs: number }
  | { readonly type: 'tick'; readonly nowMs: number; readonly random: number }
  | { readonly type: 'peerUp'; readonly peer: string }
  | { readonly type: 'peerDown'; readonly peer: string }
  | { readonly type: 'receive'; readonly from: string; readonly message: BaselineMessage<V> };

export type BaselineEffect<V> = {
  readonly type: 'send';
  readonly to: string;
  readonly message: BaselineMessage<V>;
};

export class BaselineReplica<V> {
  readonly id: string;
  readonly map = new BaselineMap<V>();

  constructor(id: string) {
    this.id = id;
  }

  step(input: BaselineInput<V>): BaselineEffect<V>[] {
    switch (input.type) {
      case 'put':
        this.map.put(input.key, input.value, input.nowMs);
        return [];
      case 'delete':
        this.map.delete(input.key);
        return [];
      case 'receive':
        if (input.message.type === 'baselineGet') {
          return [
            { type: 'send', to: input.from, message: { type: 'baselineState', data: this.map.toData() } },
          ];
        }
        this.map.merge(input.message.data);
        return [];
      case 'tick':
      case 'peerUp':
      case 'peerDown':
        return [];
    }
  }

  nextWakeAt(): number {
    return Infinity;
  }
}

export class BaselineDispatcher<V> {
  readonly id: string;
  readonly intervalMs: number;
  readonly #live = new Set<string>();
  #pending: { readonly src: string; readonly dst: string } | undefined;
  #nextMs = 0;

  constructor(id = 'dispatch', intervalMs = BASELINE_GOSSIP_MS) {
    this.id = id;
    this.intervalMs = intervalMs;
  }

  step(input: BaselineInput<V>): BaselineEffect<V>[] {
    switch (input.type) {
      case 'peerUp':
        this.#live.add(input.peer);
        return [];
      case 'peerDown':
        this.#live.delete(input.peer);
        return [];
      case 'tick': {
        if (input.nowMs < this.#nextMs) return [];
        this.#nextMs = input.nowMs + this.intervalMs;
        const live = [...this.#live].sort();
        if (live.length < 2) return [];
        // One uniform number picks both ends: its integer part the source, the rest the destination.
        const scaled = input.random * live.length;
        const si = Math.min(live.length - 1, Math.floor(scaled));
        const others = live.filter((_, i) => i !== si);
        const di = Math.min(others.length - 1, Math.floor((scaled - si) * others.length));
        const src = live[si]!;
        const dst = others[di]!;
        this.#pending = { src, dst };
        return [{ type: 'send', to: src, message: { type: 'baselineGet' } }];
      }
      case 'receive': {
        const pending = this.#pending;
        if (input.message.type !== 'baselineState' || pending === undefined || input.from !== pending.src)
          return [];
        this.#pending = undefined;
        return [{ type: 'send', to: pending.dst, message: input.message }];
      }
      case 'put':
      case 'delete':
        return [];
    }
  }

  nextWakeAt(): number {
    return this.#nextMs;
  }
}
