// A hand-cranked harness for replicator scenarios: messages queue up FIFO and move only when the
// test says so, so each scenario reads like a transcript of the protocol.
import { Replicator, type ReplicatorEffect } from '../../packages/runtime/src/crdt/core/replicator.ts';
import type { ReplicaMessage } from '../../packages/runtime/src/crdt/core/messages.ts';
import type { ReplicatorOptions } from '../../packages/runtime/src/crdt/core/options.ts';

export interface InFlight<V> {
  readonly from: string;
  readonly to: string;
  readonly message: ReplicaMessage<V>;
}

export class Harness<V> {
  readonly replicas = new Map<string, Replicator<V>>();
  readonly inFlight: InFlight<V>[] = [];
  readonly events: { at: string; effect: ReplicatorEffect<V> }[] = [];
  now = 1_000_000;

  add(node: string, incarnation = 1, options: ReplicatorOptions = {}): Replicator<V> {
    const r = new Replicator<V>({ node, incarnation, nowMs: this.now, random: 0.5, options });
    this.replicas.set(r.id, r);
    return r;
  }

  /** Tell every pair of the given replicas that the other is up (and deliver nothing yet). */
  connect(...rs: Replicator<V>[]): void {
    for (const a of rs)
      for (const b of rs) if (a !== b) this.step(a, { type: 'peerUp', peer: b.id, nowMs: this.now });
  }

  step(r: Replicator<V>, input: Parameters<Replicator<V>['step']>[0]): ReplicatorEffect<V>[] {
    const effects = r.step(input);
    for (const effect of effects) {
      if (effect.type === 'send') this.inFlight.push({ from: r.id, to: effect.to, message: effect.message });
      else this.events.push({ at: r.id, effect });
    }
    return effects;
  }

  put(r: Replicator<V>, key: string, value: V): ReplicatorEffect<V>[] {
    return this.step(r, { type: 'put', key, value, nowMs: this.now });
  }

  del(r: Replicator<V>, key: string): ReplicatorEffect<V>[] {
    return this.step(r, { type: 'delete', key, nowMs: this.now });
  }

  tick(r: Replicator<V>, random = 0): ReplicatorEffect<V>[] {
    return this.step(r, { type: 'tick', nowMs: this.now, random });
  }

  /** Deliver queued messages (and what they cause) until none is left; `keep` may drop some. */
  deliverAll(keep: (m: InFlight<V>) => boolean = () => true, limit = 5000): number {
    let delivered = 0;
    while (this.inFlight.length > 0) {
      if (++delivered > limit) throw new Error('message storm: no quiescence');
      const m = this.inFlight.shift()!;
      const to = this.replicas.get(m.to);
      if (to === undefined || !keep(m)) continue;
      this.step(to, { type: 'receive', from: m.from, message: m.message, nowMs: this.now });
    }
    return delivered;
  }

  /** Drop everything in flight. */
  dropAll(): void {
    this.inFlight.length = 0;
  }

  /** Advance time and tick every replica whose wake time has come. */
  advance(ms: number, random = 0): void {
    this.now += ms;
    for (const r of this.replicas.values()) if (r.nextWakeAt() <= this.now) this.tick(r, random);
  }

  types(): string[] {
    return this.inFlight.map((m) => m.message.type);
  }
}
