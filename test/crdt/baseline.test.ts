import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BaselineMap,
  mergeBaseline,
  type BaselineData,
} from '../../packages/runtime/src/crdt/baseline/lww-map.ts';
import { BaselineDispatcher, BaselineReplica } from '../../packages/runtime/src/crdt/baseline/gossip.ts';
import { baselineProtocol, CrdtSim } from '../../packages/runtime/src/testing/crdt-sim/index.ts';

// Characterisation of the seeds' algorithm, kept as a baseline: these tests pin its known flaws
// (seed-systems §3) so that benchmarks compare against the real thing.

const data = (records: [string, string, number][], tombstones: string[] = []): BaselineData<string> => ({
  records: records.map(([k, v, t]) => [k, { value: v, updatedAt: t }]),
  tombstones,
});

describe('Baseline: whole-map LWW with tombstones (the seeds)', () => {
  it('stamps writes with whole seconds of the writer`s wall clock', () => {
    const m = new BaselineMap<string>();
    m.put('k', 'v', 1_700_000_000_999);
    assert.equal(m.record('k')?.updatedAt, 1_700_000_000);
  });

  it('gives a tie to the second argument, so the merge is not commutative', () => {
    const a = data([['k', 'from-a', 100]]);
    const b = data([['k', 'from-b', 100]]);
    assert.equal(mergeBaseline(a, b).records[0]?.[1].value, 'from-b');
    assert.equal(mergeBaseline(b, a).records[0]?.[1].value, 'from-a');
  });

  it('lets a slow clock lose a later write to an earlier one', () => {
    const fast = new BaselineMap<string>();
    const slow = new BaselineMap<string>();
    fast.put('k', 'earlier', 10_000); // clock 5 s ahead
    slow.merge(fast.toData());
    slow.put('k', 'later', 6_000); // written after seeing 'earlier'
    fast.merge(slow.toData());
    slow.merge(fast.toData());
    assert.equal(fast.get('k'), 'earlier');
    assert.equal(slow.get('k'), 'earlier');
  });

  it('keeps every tombstone forever and drops a tombstoned key even when re-created', () => {
    const m = new BaselineMap<string>();
    for (let i = 0; i < 100; i++) {
      m.put(`k${i}`, 'v', 0);
      m.delete(`k${i}`);
    }
    assert.equal(m.tombstoneCount, 100);
    m.put('k1', 'again', 5000);
    m.merge(data([]));
    assert.equal(m.get('k1'), undefined);
  });

  it('the dispatcher moves one whole state from one random replica to another per interval', () => {
    const d = new BaselineDispatcher<string>('dispatch', 1000);
    for (const p of ['a', 'b', 'c']) d.step({ type: 'peerUp', peer: p });
    const first = d.step({ type: 'tick', nowMs: 0, random: 0.5 });
    assert.deepEqual(first, [{ type: 'send', to: 'b', message: { type: 'baselineGet' } }]);
    assert.deepEqual(d.step({ type: 'tick', nowMs: 500, random: 0.5 }), []);
    const src = new BaselineReplica<string>('b');
    src.step({ type: 'put', key: 'k', value: 'v', nowMs: 0 });
    const reply = src.step({ type: 'receive', from: 'dispatch', message: { type: 'baselineGet' } });
    const forwarded = d.step({ type: 'receive', from: 'b', message: reply[0]!.message });
    assert.equal(forwarded.length, 1);
    assert.notEqual(forwarded[0]!.to, 'b');
  });

  it('converges slowly in the simulator: one random pair per second for the whole cluster', () => {
    const sim = new CrdtSim({ seed: 11, replicas: 3 }, baselineProtocol());
    sim.put('n0', 'k', 'v');
    const took = sim.runUntil(() => sim.converged(), 120_000, 100);
    assert.ok(took !== undefined && took >= 1000, `took ${took} ms`);
  });
});
