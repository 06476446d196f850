import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaMap } from '../../packages/runtime/src/crdt/core/delta-map.ts';
import { CausalContext } from '../../packages/runtime/src/crdt/core/causal-context.ts';
import { cutSnapshot } from '../../packages/runtime/src/crdt/core/snapshot.ts';
import { unpackEntries } from '../../packages/runtime/src/crdt/core/compact.ts';
import { converged, type Replicator } from '../../packages/runtime/src/crdt/core/replicator.ts';
import { CrdtSim, deltaProtocol, seedFromEnv } from '../../packages/runtime/src/testing/crdt-sim/index.ts';
import { Harness, type InFlight } from './helpers.ts';
import { WriteOracle } from './oracle.ts';

// delta_crdt_ex #45 ("Lost additions?") and #65 ("appears to lose data when running on more than
// one node") share one root cause: a partial sync was shipped with the sender's whole causal
// context, so the receiver read "I have seen everything up to X and key Y is not here" as a delete
// of Y. Here a delta carries only its key's dots, and a partial state (a snapshot chunk) removes
// only within the buckets it speaks for and lends its context only once every chunk is in.

describe('Regression: delta_crdt_ex #45 (lost additions under partial syncs)', () => {
  it('100,000 adds on one replica with a neighbour connected all arrive, through small messages and chunked repair with lost pushes', () => {
    const h = new Harness<Record<string, never>>();
    const opts = { maxDeltasPerMessage: 200, maxSnapshotKeys: 200, logPerOrigin: 64 };
    const [c1, c2] = [h.add('c1', 1, opts), h.add('c2', 1, opts)];
    h.connect(c1, c2);
    h.deliverAll();
    let n = 0;
    for (let id = 1; id <= 100_000; id++) {
      h.put(c1, String(id), {});
      if (id % 1000 === 0) {
        h.advance(5);
        h.deliverAll(() => ++n % 10 !== 0); // one push in ten is lost
      }
    }
    assert.equal(c1.size, 100_000);
    for (let round = 0; round < 30 && !converged(c1, c2); round++) {
      h.advance(1000, round % 2 === 0 ? 0 : 0.99);
      h.deliverAll();
    }
    assert.equal(c2.size, 100_000);
    assert.equal(c1.size, 100_000);
    assert.ok(converged(c1, c2), 'converged(c1, c2)');
  });

  it('connecting a replica that holds 20,000 other keys: neither side ever shrinks, both end with the union', () => {
    const h = new Harness<number>();
    const opts = { maxDeltasPerMessage: 200, maxSnapshotKeys: 200, logPerOrigin: 64 };
    const c1 = h.add('c1', 1, opts);
    const c2 = h.add('c2', 1, opts);
    for (let i = 0; i < 20_000; i++) h.put(c1, `a${i}`, i);
    for (let i = 0; i < 20_000; i++) h.put(c2, `b${i}`, i);
    h.dropAll();
    h.connect(c1, c2);
    let last1 = c1.size;
    let last2 = c2.size;
    const watch = (): void => {
      assert.ok(c1.size >= last1, `c1 shrank from ${last1} to ${c1.size}`);
      assert.ok(c2.size >= last2, `c2 shrank from ${last2} to ${c2.size}`);
      last1 = c1.size;
      last2 = c2.size;
    };
    for (let round = 0; round < 20 && !(converged(c1, c2) && c1.size === 40_000); round++) {
      h.deliverAll(() => {
        watch(); // before each delivery = after the previous one
        return true;
      });
      watch();
      h.advance(1000, round % 2 === 0 ? 0 : 0.99);
    }
    watch();
    assert.equal(c1.size, 40_000);
    assert.equal(c2.size, 40_000);
  });
});

describe('Regression: delta_crdt_ex #65 (partial sync with the full context deletes keys)', () => {
  it('a snapshot chunk carrying the sender`s whole context deletes nothing outside its buckets', () => {
    const sender = new DeltaMap<string>('s#1', { buckets: 16 });
    const receiver = new DeltaMap<string>('r#1', { buckets: 16 });
    for (let i = 0; i < 64; i++) receiver.applyDelta(sender.put(`k${i}`, 'v', { ms: i, lc: 0 }));
    const fresh = sender.put('only-on-sender', 'new', { ms: 100, lc: 0 });
    // The receiver now has a key the sender does not know, and lacks one the sender has.
    receiver.put('only-on-receiver', 'mine', { ms: 101, lc: 0 });
    const chunks = cutSnapshot(sender, sender.context.toWire(), receiver.buckets.toBytes(), 1, 1);
    const first = chunks.find((c) => !c.entries.some(([k]) => k === 'only-on-sender'))!;
    assert.ok(first !== undefined, 'first !== undefined');
    receiver.applyScoped(
      unpackEntries(first.reps, first.entries),
      new Set(first.buckets),
      CausalContext.fromWire(first.ctx),
    );
    assert.equal(receiver.size, 65, 'no key may disappear');
    assert.equal(
      receiver.context.has(fresh.entries[0]!.rep, fresh.entries[0]!.seq),
      false,
      'the missing key must not read as deleted',
    );
    // The rest of the snapshot brings the missing key, and then the context may be adopted.
    for (const c of chunks) {
      if (c === first) continue;
      receiver.applyScoped(
        unpackEntries(c.reps, c.entries),
        new Set(c.buckets),
        CausalContext.fromWire(c.ctx),
      );
    }
    receiver.adoptContext(first.ctx);
    assert.equal(receiver.size, 66);
    assert.equal(receiver.get('only-on-sender'), 'new');
    assert.equal(receiver.get('only-on-receiver'), 'mine');
  });

  it('a delta from a replica that has seen every key carries only its own key`s context', () => {
    const a = new DeltaMap<string>('a#1');
    const b = new DeltaMap<string>('b#1');
    for (let i = 0; i < 10; i++) b.applyDelta(a.put(`k${i}`, 'v', { ms: i, lc: 0 }));
    const delta = a.put('k0', 'changed', { ms: 50, lc: 0 });
    assert.deepEqual(
      [...delta.entries.map((e) => [e.rep, e.seq]), ...delta.removed],
      [
        ['a#1', 11],
        ['a#1', 1],
      ],
    );
    const c = new DeltaMap<string>('c#1'); // has seen nothing
    for (let i = 5; i < 10; i++) c.applyDelta(a.put(`later${i}`, 'v', { ms: 60 + i, lc: 0 }));
    c.applyDelta(delta);
    assert.equal(c.size, 6);
  });

  it('several writers per node at a pace close to the sync interval, over a lossy network, lose no key', () => {
    const seed = seedFromEnv(process.env, 65);
    const where = `CRDT_SIM_SEED=${seed}`;
    const sim = new CrdtSim(
      { seed, replicas: 3, network: { dropRate: 0.2, reorderRate: 0.3 }, detectMs: 200 },
      deltaProtocol({ logPerOrigin: 16, maxSnapshotKeys: 50, buckets: 64 }),
    );
    const oracle = new WriteOracle(sim);
    let written = 0;
    for (let tick = 0; tick < 30; tick++) {
      for (const node of sim.nodes) {
        for (let proc = 0; proc < 10; proc++) {
          const at = Math.floor((1000 * proc) / 10);
          sim.at(at, () => {
            oracle.put(node, `${node}-p${proc}-t${tick}`, tick);
            written++;
          });
        }
      }
      sim.runFor(1000);
    }
    sim.network.options = { ...sim.network.options, dropRate: 0 };
    assert.ok(sim.runUntil(() => sim.converged(), 20_000, 50) !== undefined, `${where}: no convergence`);
    assert.ok(sim.converged(true), `${where}: equal hashes but different states`);
    assert.equal(written, 900);
    for (const node of sim.nodes) assert.equal(sim.replica(node)!.size, 900, `${where}: ${node} lost keys`);
    oracle.checkFinal(where, false);
  });
});

// The seeded 50-replica simulation (CRDT_SIM_SEED=5001): a replica restarted empty pulls a
// snapshot and, at the same time, catches up from a peer's delta log. The log's deltas travel in
// several messages; the one with an old put arrives, the one with the write that removed it is late.
// The snapshot skips the put's bucket, which was equal (empty on both sides) when the replica sent
// its hashes, yet it carries the sender's whole context and received writes. Adopting them as they
// are made the replica claim the removing write while it still showed the value that write removed.
describe('Regression: a replica catching up adopts a snapshot context over entries joined since its pull', () => {
  /** `a` has put `k` and then removed it (`finish`); `c` starts empty and connects to `a`. */
  function setup(finish: (h: Harness<string>, a: Replicator<string>) => void): {
    h: Harness<string>;
    a: Replicator<string>;
    c: Replicator<string>;
  } {
    const h = new Harness<string>();
    const opts = { maxDeltasPerMessage: 1 };
    const a = h.add('a', 1, opts);
    h.put(a, 'k', 'old');
    h.advance(10);
    finish(h, a);
    h.advance(10);
    h.dropAll();
    const c = h.add('c', 1, opts);
    h.step(c, { type: 'peerUp', peer: a.id, nowMs: h.now });
    assert.deepEqual(h.types(), ['hashes', 'digest']);
    // a answers both: a snapshot of the differing buckets (none: both are empty) and, from its
    // log, one deltas message per write.
    for (const m of h.inFlight.splice(0))
      h.step(a, { type: 'receive', from: m.from, message: m.message, nowMs: h.now });
    return { h, a, c };
  }

  /** Deliver to `c`: the old put's delta, then the snapshot; the later writes' deltas stay late. */
  function catchUp(h: Harness<string>, c: Replicator<string>): InFlight<string>[] {
    const [put, ...late] = h.inFlight.filter((m) => m.message.type === 'deltas');
    const snapshot = h.inFlight.filter((m) => m.message.type === 'snapshot');
    assert.ok(put !== undefined && late.length > 0, 'one deltas message per write');
    h.inFlight.length = 0;
    const receive = (m: InFlight<string>): void => {
      h.step(c, { type: 'receive', from: m.from, message: m.message, nowMs: h.now });
    };
    receive(put);
    assert.equal(c.get('k'), 'old', 'c joined the old put: it has not seen its removal yet');
    for (const m of snapshot) receive(m);
    return late;
  }

  for (const [what, finish] of [
    ['deleted', (h: Harness<string>, a: Replicator<string>) => h.del(a, 'k')],
    [
      'overwritten and then deleted by another replica',
      (h: Harness<string>, a: Replicator<string>) => {
        const b = h.add('b');
        h.connect(a, b);
        h.deliverAll();
        h.put(b, 'k', 'newer');
        h.advance(10);
        h.deliverAll();
        h.del(a, 'k');
        h.advance(10);
        h.deliverAll();
        h.replicas.delete(b.id);
      },
    ],
  ] as const) {
    it(`a value ${what} does not show once the snapshot is adopted, before the late delta arrives`, () => {
      const { h, a, c } = setup(finish);
      const late = catchUp(h, c);
      assert.ok(c.bootstrapped, 'c adopted the snapshot');
      const removal = a.map.context.max(a.id);
      assert.ok(c.hasApplied(a.id, removal), 'c counts the removing write as received');
      assert.equal(c.get('k'), undefined, 'c shows a value that a write it counts as received removed');
      assert.deepEqual(c.map.entriesOf('k'), []);
      h.inFlight.push(...late);
      h.deliverAll();
      assert.equal(c.get('k'), undefined);
      assert.ok(converged(a, c), 'converged(a, c)');
    });
  }

  it('a deleted value joined after the chunk of its own bucket, before the last chunk, does not show either', () => {
    const h = new Harness<string>();
    const opts = { maxDeltasPerMessage: 1, maxSnapshotKeys: 1, buckets: 2 };
    const a = h.add('a', 1, opts);
    h.put(a, 'k', 'old');
    h.advance(10);
    h.del(a, 'k');
    for (let i = 0; i < 8; i++) h.put(a, `j${i}`, 'v'); // both buckets hold keys: both differ
    h.advance(10);
    h.dropAll();
    const c = h.add('c', 1, opts);
    h.step(c, { type: 'peerUp', peer: a.id, nowMs: h.now });
    for (const m of h.inFlight.splice(0))
      h.step(a, { type: 'receive', from: m.from, message: m.message, nowMs: h.now });
    const chunks = h.inFlight.filter((m) => m.message.type === 'snapshot');
    const [put] = h.inFlight.filter((m) => m.message.type === 'deltas');
    const bucket = c.map.buckets.bucketOf('k');
    const own = chunks.find((m) => m.message.type === 'snapshot' && m.message.buckets.includes(bucket));
    assert.equal(chunks.length, 2);
    assert.ok(own !== undefined && put !== undefined, 'a chunk for k`s bucket and the put`s delta');
    h.inFlight.length = 0;
    for (const m of [own, put, ...chunks.filter((x) => x !== own)])
      h.step(c, { type: 'receive', from: m.from, message: m.message, nowMs: h.now });
    assert.ok(c.bootstrapped, 'c adopted the snapshot');
    assert.ok(c.hasApplied(a.id, 2), 'c counts the delete as received');
    assert.equal(c.get('k'), undefined, 'c shows a value that a write it counts as received removed');
    assert.equal(c.size, 8);
  });
});
