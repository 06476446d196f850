// Oracle for randomized runs of the delta replicator in the simulator. It records every write with
// the dots it replaced, and can then say exactly what every replica must hold:
// - an entry survives iff its put "escaped" (some live replica received it in full) and no escaped
//   write covered it. Writes that died with a crashed replica before reaching anyone are the only
//   acceptable losses, and only when restarts are in play;
// - once a replica has seen a write that removed a value, that value never shows there again.
import assert from 'node:assert/strict';
import type { Dot } from '../../packages/runtime/src/crdt/core/replica-id.ts';
import type { CrdtSim, DeltaSimReplica } from '../../packages/runtime/src/testing/crdt-sim/index.ts';

interface Op {
  readonly kind: 'put' | 'delete';
  readonly key: string;
  readonly dot: Dot;
  readonly value: unknown;
  readonly covered: readonly Dot[];
}

const dk = (d: Dot): string => `${d[0]}:${d[1]}`;

export class WriteOracle {
  readonly ops: Op[] = [];
  readonly #sim: CrdtSim;

  constructor(sim: CrdtSim) {
    this.#sim = sim;
  }

  #replica(node: string): DeltaSimReplica | undefined {
    return this.#sim.replica(node) as DeltaSimReplica | undefined;
  }

  put(node: string, key: string, value: unknown): Dot | undefined {
    return this.#record(node, key, 'put', value);
  }

  delete(node: string, key: string): Dot | undefined {
    return this.#record(node, key, 'delete', undefined);
  }

  #record(node: string, key: string, kind: 'put' | 'delete', value: unknown): Dot | undefined {
    const r = this.#replica(node);
    if (r === undefined) return undefined;
    const covered = r.replicator.map.entriesOf(key).map((e): Dot => [e.rep, e.seq]);
    const tag = (kind === 'put' ? this.#sim.put(node, key, value) : this.#sim.delete(node, key)) as
      Dot | undefined;
    if (tag === undefined) return undefined;
    this.ops.push({ kind, key, dot: tag, value, covered: [...covered, ...(kind === 'delete' ? [tag] : [])] });
    return tag;
  }

  /** No replica holds a value that a write it has already seen removed. */
  checkNoResurrection(context: string): void {
    for (const node of this.#sim.upNodes()) {
      const replica = this.#replica(node)!.replicator;
      const map = replica.map;
      for (const op of this.ops) {
        if (!replica.hasApplied(op.dot[0], op.dot[1])) continue;
        for (const e of map.entriesOf(op.key)) {
          const back = op.covered.some(([rep, seq]) => rep === e.rep && seq === e.seq);
          assert.ok(
            !back,
            `${context}: ${node} shows ${op.key}=${JSON.stringify(e.value)} again after seeing ${op.kind} ${dk(op.dot)}`,
          );
        }
      }
    }
  }

  /**
   * Every up replica holds exactly the entries the history implies. Returns the number of writes
   * lost with crashed replicas (must be 0 when `allowLoss` is false).
   */
  checkFinal(context: string, allowLoss: boolean): number {
    const up = this.#sim.upNodes();
    const any = this.#replica(up[0]!)!.replicator;
    const escaped = this.ops.filter((op) => any.hasApplied(op.dot[0], op.dot[1]));
    const lost = this.ops.length - escaped.length;
    if (!allowLoss) assert.equal(lost, 0, `${context}: ${lost} acknowledged writes never reached anyone`);
    const dead = new Set(escaped.flatMap((op) => op.covered.map(dk)));
    const expected = new Map<string, string[]>();
    for (const op of escaped) {
      if (op.kind !== 'put' || dead.has(dk(op.dot))) continue;
      expected.set(
        op.key,
        [...(expected.get(op.key) ?? []), `${dk(op.dot)}=${JSON.stringify(op.value)}`].sort(),
      );
    }
    for (const node of up) {
      const map = this.#replica(node)!.replicator.map;
      const actual = new Map<string, string[]>();
      for (const key of map.keys()) {
        actual.set(
          key,
          map
            .entriesOf(key)
            .map((e) => `${e.rep}:${e.seq}=${JSON.stringify(e.value)}`)
            .sort(),
        );
      }
      const sorted = (m: Map<string, string[]>): [string, string[]][] =>
        [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      assert.deepEqual(
        sorted(actual),
        sorted(expected),
        `${context}: ${node} does not hold what the history implies`,
      );
    }
    return lost;
  }
}
