/**
 * Adapters that let the CRDT simulator drive a replication protocol: the delta-state
 * `Replicator` and the seeds' baseline, behind one small interface.
 *
 * Example:
 * ```ts
 * const sim = new CrdtSim({ seed, replicas: 3 }, deltaProtocol({ flushMs: 0 }));
 * const base = new CrdtSim({ seed, replicas: 3 }, baselineProtocol());
 * ```
 *
 * API: `SimReplica`, `SimController`, `SimProtocol`, `SimInput`, `SimEffect`, `SimWrite`,
 * `deltaProtocol(options)`, `baselineProtocol(intervalMs)`, `DeltaSimReplica`,
 * `BaselineSimReplica`.
 *
 * A write returns a tag; `hasSeen(tag)` tells whether a replica has applied that write (for the
 * delta replicator: received it in full; for the baseline: holds it or something newer).
 *
 * When not to use: outside simulations; real drivers call the replicator directly.
 */
import { BaselineDispatcher, BaselineReplica, type BaselineMessage } from '../../crdt/baseline/gossip.ts';
import type { Dot } from '../../crdt/core/replica-id.ts';
import type { ReplicaMessage } from '../../crdt/core/messages.ts';
import type { ReplicatorOptions } from '../../crdt/core/options.ts';
import { Replicator, type ReplicatorEffect } from '../../crdt/core/replicator.ts';

export type SimInput =
  | { readonly type: 'tick'; readonly nowMs: number; readonly random: number }
  | { readonly type: 'peerUp'; readonly peer: string; readonly nowMs: number }
  | { readonly type: 'peerDown'; readonly peer: string; readonly nowMs: number; readonly left?: boolean }
  | { readonly type: 'receive'; readonly from: string; readonly message: unknown; readonly nowMs: number };

/** Effects the simulator routes (`send`) or hands to observers (everything else). */
export interface SimEffect {
  readonly type: string;
  readonly to?: string;
  readonly message?: unknown;
}

export type SimWrite =
  | { readonly type: 'put'; readonly key: string; readonly value: unknown }
  | { readonly type: 'delete'; readonly key: string };

/** A participant that is not a replica (the baseline's dispatcher). */
export interface SimController {
  readonly id: string;
  step(input: SimInput): readonly SimEffect[];
  nextWakeAt(): number;
}

export interface SimReplica extends SimController {
  write(op: SimWrite, wallMs: number): { effects: readonly SimEffect[]; tag: unknown };
  hasSeen(tag: unknown): boolean;
  get(key: string): unknown;
  readonly size: number;
  /** Cheap comparison key: equal for converged replicas (hash based). */
  digest(): string;
  /** Exact comparison key (canonical state); slower. */
  fingerprint(): string;
}

export interface SimProtocol {
  readonly name: string;
  createReplica(node: string, incarnation: number, wallMs: number, random: number): SimReplica;
  createController?(): SimController;
}

export class DeltaSimReplica implements SimReplica {
  readonly replicator: Replicator<unknown>;

  constructor(node: string, incarnation: number, wallMs: number, random: number, options: ReplicatorOptions) {
    this.replicator = new Replicator<unknown>({ node, incarnation, nowMs: wallMs, random, options });
  }

  get id(): string {
    return this.replicator.id;
  }

  step(input: SimInput): readonly ReplicatorEffect<unknown>[] {
    if (input.type === 'receive') {
      return this.replicator.step({ ...input, message: input.message as ReplicaMessage<unknown> });
    }
    return this.replicator.step(input);
  }

  write(op: SimWrite, wallMs: number): { effects: readonly SimEffect[]; tag: Dot | undefined } {
    const before = this.replicator.map.context.max(this.id);
    const effects =
      op.type === 'put'
        ? this.replicator.step({ type: 'put', key: op.key, value: op.value, nowMs: wallMs })
        : this.replicator.step({ type: 'delete', key: op.key, nowMs: wallMs });
    const after = this.replicator.map.context.max(this.id);
    return { effects, tag: after > before ? [this.id, after] : undefined };
  }

  hasSeen(tag: unknown): boolean {
    const [rep, seq] = tag as Dot;
    return this.replicator.hasApplied(rep, seq);
  }

  get(key: string): unknown {
    return this.replicator.get(key);
  }

  get size(): number {
    return this.replicator.size;
  }

  nextWakeAt(): number {
    return this.replicator.nextWakeAt();
  }

  digest(): string {
    const s = this.replicator.summary();
    return `${s.applied.join('.')}/${s.state.join('.')}`;
  }

  fingerprint(): string {
    return JSON.stringify(this.replicator.map.toState());
  }
}

export function deltaProtocol(options: ReplicatorOptions = {}): SimProtocol {
  return {
    name: 'delta',
    createReplica: (node, incarnation, wallMs, random) =>
      new DeltaSimReplica(node, incarnation, wallMs, random, options),
  };
}

interface BaselineTag {
  readonly key: string;
  readonly kind: 'put' | 'delete';
  readonly updatedAt: number;
  readonly value: unknown;
}

export class BaselineSimReplica implements SimReplica {
  readonly replica: BaselineReplica<unknown>;

  constructor(id: string) {
    this.replica = new BaselineReplica<unknown>(id);
  }

  get id(): string {
    return this.replica.id;
  }

  step(input: SimInput): readonly SimEffect[] {
    if (input.type === 'receive') {
      return this.replica.step({
        type: 'receive',
        from: input.from,
        message: input.message as BaselineMessage<unknown>,
      });
    }
    return [];
  }

  write(op: SimWrite, wallMs: number): { effects: readonly SimEffect[]; tag: BaselineTag } {
    if (op.type === 'put') this.replica.step({ type: 'put', key: op.key, value: op.value, nowMs: wallMs });
    else this.replica.step({ type: 'delete', key: op.key, nowMs: wallMs });
    const value = op.type === 'put' ? op.value : undefined;
    return { effects: [], tag: { key: op.key, kind: op.type, updatedAt: Math.floor(wallMs / 1000), value } };
  }

  hasSeen(tag: unknown): boolean {
    const t = tag as BaselineTag;
    const map = this.replica.map;
    if (map.isTombstoned(t.key)) return true;
    if (t.kind === 'delete') return false;
    const r = map.record(t.key);
    return (
      r !== undefined && (r.updatedAt > t.updatedAt || (r.updatedAt === t.updatedAt && r.value === t.value))
    );
  }

  get(key: string): unknown {
    return this.replica.map.get(key);
  }

  get size(): number {
    return this.replica.map.size;
  }

  nextWakeAt(): number {
    return Infinity;
  }

  digest(): string {
    return this.fingerprint();
  }

  fingerprint(): string {
    const data = this.replica.map.toData();
    const live = [...data.records]
      .filter(([k]) => !data.tombstones.includes(k))
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return JSON.stringify([live, [...data.tombstones].sort()]);
  }
}

export function baselineProtocol(intervalMs?: number): SimProtocol {
  return {
    name: 'baseline',
    createReplica: (node, incarnation) => new BaselineSimReplica(`${node}#${incarnation}`),
    createController: () => {
      const d = new BaselineDispatcher<unknown>('dispatch', intervalMs);
      return {
        id: d.id,
        step: (input) => {
          if (input.type === 'receive') {
            return d.step({
              type: 'receive',
              from: input.from,
              message: input.message as BaselineMessage<unknown>,
            });
          }
          return d.step(input);
        },
        nextWakeAt: () => d.nextWakeAt(),
      };
    },
  };
}
