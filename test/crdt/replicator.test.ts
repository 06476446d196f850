import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { converged, Replicator } from '../../packages/runtime/src/crdt/core/replicator.ts';
import {
  parseReplicaMessage,
  type DeltasMessage,
  type SnapshotMessage,
} from '../../packages/runtime/src/crdt/core/messages.ts';
import {
  CrdtMessageError,
  CrdtOptionError,
  CrdtProtocolError,
} from '../../packages/runtime/src/crdt/core/errors.ts';
import { packDeltas, unpackDeltas } from '../../packages/runtime/src/crdt/core/compact.ts';
import { Harness } from './helpers.ts';

describe('Replicator: eager push', () => {
  it('pushes a local write to every live peer at once, as one deltas message each', () => {
    const h = new Harness<string>();
    const [a, b, c] = [h.add('a'), h.add('b'), h.add('c')];
    h.connect(a, b, c);
    h.deliverAll();
    const effects = h.put(a, 'k', 'v');
    const sends = effects.filter((e) => e.type === 'send');
    assert.deepEqual(
      sends.map((e) => (e.type === 'send' ? [e.to, e.message.type] : [])),
      [
        [b.id, 'deltas'],
        [c.id, 'deltas'],
      ],
    );
    h.deliverAll();
    assert.equal(b.get('k'), 'v');
    assert.equal(c.get('k'), 'v');
  });

  it('coalesces writes within flushMs into one push per peer carrying only the latest delta per key', () => {
    const h = new Harness<string>();
    const [a, b] = [h.add('a', 1, { flushMs: 5 }), h.add('b')];
    h.connect(a, b);
    h.deliverAll();
    h.put(a, 'k', 'first'); // leading edge: goes out at once
    h.deliverAll();
    h.put(a, 'k', 'second');
    h.put(a, 'k', 'third');
    h.put(a, 'j', 'other');
    assert.equal(h.inFlight.length, 0);
    assert.equal(a.nextWakeAt(), h.now + 5);
    h.advance(5);
    assert.equal(h.inFlight.length, 1);
    const m = h.inFlight[0]!.message as DeltasMessage<string>;
    assert.deepEqual(
      unpackDeltas(m.reps, m.deltas).map((d) => [d.key, d.entries.map((e) => e.value)]),
      [
        ['k', ['third']],
        ['j', ['other']],
      ],
    );
    h.deliverAll();
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('does not push to a peer that is down', () => {
    const h = new Harness<string>();
    const [a, b] = [h.add('a'), h.add('b')];
    h.connect(a, b);
    h.deliverAll();
    h.step(a, { type: 'peerDown', peer: b.id, nowMs: h.now });
    assert.deepEqual(
      h.put(a, 'k', 'v').filter((e) => e.type === 'send'),
      [],
    );
  });

  it('emits a change for every visible change, with the writer as origin', () => {
    const h = new Harness<string>();
    const [a, b] = [h.add('a'), h.add('b')];
    h.connect(a, b);
    h.deliverAll();
    h.events.length = 0;
    h.put(a, 'k', 'v');
    h.deliverAll();
    h.del(b, 'k');
    h.deliverAll();
    assert.deepEqual(
      h.events.filter((e) => e.effect.type === 'change').map((e) => [e.at, e.effect]),
      [
        [a.id, { type: 'change', key: 'k', value: 'v', origin: a.id }],
        [b.id, { type: 'change', key: 'k', value: 'v', origin: a.id }],
        [b.id, { type: 'change', key: 'k', value: undefined, origin: b.id }],
        [a.id, { type: 'change', key: 'k', value: undefined, origin: b.id }],
      ],
    );
  });
});

describe('Replicator: anti-entropy', () => {
  it('sends one small summary per period when idle and in sync, and nothing else', () => {
    const h = new Harness<string>();
    const [a, b] = [h.add('a'), h.add('b')];
    h.connect(a, b);
    h.deliverAll();
    h.put(a, 'k', 'v');
    h.deliverAll();
    h.advance(1000);
    assert.deepEqual(h.types(), ['summary', 'summary']);
    const bytes = new Packr({ useRecords: false }).pack(h.inFlight[0]!.message).length;
    assert.ok(bytes < 64, `summary is ${bytes} bytes`);
    h.deliverAll();
    assert.equal(h.inFlight.length, 0);
  });

  it('repairs a lost push from the delta log after a digest exchange', () => {
    const h = new Harness<string>();
    const [a, b] = [h.add('a'), h.add('b')];
    h.connect(a, b);
    h.deliverAll();
    h.put(a, 'k1', 'v1');
    h.dropAll(); // the push is lost
    h.put(a, 'k2', 'v2');
    h.advance(5); // the coalesce window closes
    h.deliverAll();
    assert.equal(b.get('k1'), undefined);
    assert.equal(b.get('k2'), 'v2');
    h.advance(1000);
    const seen: string[] = [];
    h.deliverAll((m) => {
      seen.push(m.message.type);
      return true;
    });
    assert.ok(!seen.includes('snapshot'), `repair used ${seen.join(',')}`);
    assert.ok(seen.includes('deltas'), "seen.includes('deltas')");
    assert.equal(b.get('k1'), 'v1');
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('falls back to bucket hashes and ships only the differing buckets when the log no longer covers the gap', () => {
    const h = new Harness<string>();
    const opts = { logPerOrigin: 4, buckets: 64 };
    const [a, b] = [h.add('a', 1, opts), h.add('b', 1, opts)];
    h.connect(a, b);
    h.deliverAll();
    for (let i = 0; i < 200; i++) h.put(a, `k${i}`, 'v');
    h.advance(10);
    h.deliverAll();
    h.step(a, { type: 'peerDown', peer: b.id, nowMs: h.now });
    for (let i = 0; i < 10; i++) h.put(a, `k${i}`, 'changed');
    h.advance(300); // past the peerUp burst window: this peerUp opens an exchange at once
    h.step(a, { type: 'peerUp', peer: b.id, nowMs: h.now });
    const shipped: SnapshotMessage<string>[] = [];
    const seen: string[] = [];
    h.deliverAll((m) => {
      seen.push(m.message.type);
      if (m.message.type === 'snapshot') shipped.push(m.message);
      return true;
    });
    // a: here is my context; b: I lack some (reply); a: my log is too short, send me your hashes;
    // b: hashes; a: the differing buckets.
    assert.deepEqual(seen, ['digest', 'digest', 'hashRequest', 'hashes', 'snapshot']);
    assert.ok(converged(a, b), 'converged(a, b)');
    const keys = shipped.flatMap((s) => s.entries.map(([k]) => k));
    assert.ok(keys.length >= 10 && keys.length < 100, `shipped ${keys.length} keys of 200`);
  });

  it('closes the version-vector gap left by deletes that fell out of the log, and the key stays deleted', () => {
    const h = new Harness<string>();
    const opts = { logPerOrigin: 2 };
    const [a, b] = [h.add('a', 1, opts), h.add('b', 1, opts)];
    h.connect(a, b);
    h.deliverAll();
    h.put(a, 'gone', 'v');
    h.advance(10);
    h.deliverAll();
    h.step(a, { type: 'peerDown', peer: b.id, nowMs: h.now });
    h.del(a, 'gone');
    for (let i = 0; i < 5; i++) h.put(a, `k${i}`, 'v');
    h.advance(300);
    h.step(a, { type: 'peerUp', peer: b.id, nowMs: h.now });
    h.deliverAll();
    assert.equal(b.get('gone'), undefined);
    assert.equal(b.map.context.max(a.id), a.map.context.max(a.id));
    assert.deepEqual(b.map.context.cloudOf(a.id), []);
    assert.ok(converged(a, b), 'converged(a, b)');
    h.advance(1000);
    assert.deepEqual(h.types(), ['summary', 'summary']);
  });

  it('a new replica pulls a snapshot from the first peer it sees and reports it applied', () => {
    const h = new Harness<string>();
    const [a, b] = [h.add('a'), h.add('b')];
    h.connect(a, b);
    h.deliverAll();
    for (let i = 0; i < 50; i++) h.put(a, `k${i}`, 'v');
    h.advance(10);
    h.deliverAll();
    const c = h.add('c');
    h.connect(a, b, c);
    h.deliverAll();
    assert.ok(c.bootstrapped, 'c.bootstrapped');
    assert.equal(c.size, 50);
    assert.ok(converged(a, c) && converged(b, c), 'converged(a, c) && converged(b, c)');
    const applied = h.events.filter((e) => e.at === c.id && e.effect.type === 'snapshotApplied');
    assert.equal(applied.length, 1);
  });

  it('chunks a large snapshot and adopts the context only when every chunk arrived', () => {
    const h = new Harness<string>();
    const opts = { maxSnapshotKeys: 10, logPerOrigin: 0 };
    const a = h.add('a', 1, opts);
    for (let i = 0; i < 100; i++) h.put(a, `k${i}`, 'v');
    const b = h.add('b', 1, opts);
    h.connect(a, b);
    let chunks = 0;
    let droppedOne = false;
    h.deliverAll((m) => {
      if (m.message.type !== 'snapshot') return true;
      chunks++;
      if (!droppedOne && m.message.index === 1) return !(droppedOne = true);
      return true;
    });
    assert.ok(chunks >= 10, `${chunks} chunks`);
    assert.equal(b.bootstrapped, false);
    assert.ok(b.size < 100 && b.size > 0, 'b.size < 100 && b.size > 0');
    for (const key of a.map.keys()) {
      if (b.map.has(key)) continue;
      const e = a.map.winner(key)!;
      assert.equal(
        b.map.context.has(e.rep, e.seq),
        false,
        `${key} would read as deleted: context adopted too early`,
      );
    }
    h.advance(5000);
    h.deliverAll();
    h.advance(1000);
    h.deliverAll();
    assert.ok(b.bootstrapped, 'b.bootstrapped');
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('a restarted node (new incarnation, empty) is refilled and its old incarnation counts as departed', () => {
    const h = new Harness<string>();
    const [a, b1] = [h.add('a'), h.add('b')];
    h.connect(a, b1);
    h.deliverAll();
    h.put(b1, 'from-old-b', 'v');
    h.put(a, 'from-a', 'v');
    h.advance(10);
    h.deliverAll();
    h.replicas.delete(b1.id);
    h.step(a, { type: 'peerDown', peer: b1.id, nowMs: h.now });
    const b2 = h.add('b', 2);
    h.connect(a, b2);
    h.deliverAll();
    assert.ok(converged(a, b2), 'converged(a, b2)');
    assert.equal(b2.get('from-old-b'), 'v');
    h.put(b2, 'from-new-b', 'v');
    h.deliverAll();
    assert.equal(a.get('from-new-b'), 'v');
  });

  it('reports a peer stamp beyond maxDriftMs as clockDrift, applies the write, and keeps its own clock', () => {
    const h = new Harness<string>();
    const [a, b] = [h.add('a'), h.add('b')];
    h.connect(a, b);
    h.deliverAll();
    const realNow = h.now;
    h.now = realNow + 120_000; // a's clock is two minutes fast
    h.put(a, 'k', 'from-the-future');
    h.now = realNow;
    h.events.length = 0;
    h.deliverAll();
    const drift = h.events.find((e) => e.effect.type === 'clockDrift');
    assert.ok(
      drift !== undefined && drift.effect.type === 'clockDrift',
      "drift !== undefined && drift.effect.type === 'clockDrift'",
    );
    assert.equal(drift.effect.aheadByMs, 120_000);
    assert.equal(b.get('k'), 'from-the-future');
    h.put(b, 'j', 'x');
    assert.equal(b.map.winner('j')?.ms, realNow);
  });

  it('answers hashes with another bucket count with a rejected effect, not a crash', () => {
    const h = new Harness<string>();
    const a = h.add('a');
    const effects = h.step(a, {
      type: 'receive',
      from: 'x#1',
      message: { type: 'hashes', hashes: new Uint8Array(16) },
      nowMs: h.now,
    });
    assert.equal(effects.length, 1);
    assert.ok(
      effects[0]?.type === 'rejected' && effects[0].error instanceof CrdtProtocolError,
      "effects[0]?.type === 'rejected' && effects[0].error instanceof CrdtProtocolError",
    );
  });
});

describe('Replicator: pruning departed replicas', () => {
  function departedScenario(): {
    h: Harness<string>;
    a: Replicator<string>;
    c: Replicator<string>;
    gone: string;
  } {
    const h = new Harness<string>();
    const opts = { pruneAfterMs: 10_000 };
    const [a, b, c] = [h.add('a', 1, opts), h.add('b', 1, opts), h.add('c', 1, opts)];
    h.connect(a, b, c);
    h.deliverAll();
    h.put(b, 'k', 'by-b');
    h.advance(10);
    h.deliverAll();
    h.put(a, 'k', 'overwritten-by-a'); // no entry of b survives
    h.advance(10);
    h.deliverAll();
    for (const r of [a, c]) h.step(r, { type: 'peerDown', peer: b.id, nowMs: h.now, left: true });
    h.replicas.delete(b.id);
    return { h, a, c, gone: b.id };
  }

  it('prunes a replica that left, once pruneAfterMs passed and every member reported knowing no more of it', () => {
    const { h, a, c, gone } = departedScenario();
    assert.ok(a.map.context.replicas().includes(gone), 'a.map.context.replicas().includes(gone)');
    for (let i = 0; i < 12; i++) {
      h.advance(1000, i % 2 === 0 ? 0 : 0.99);
      h.deliverAll();
    }
    const pruned = h.events.filter((e) => e.effect.type === 'pruned').map((e) => e.at);
    assert.deepEqual(pruned.sort(), [a.id, c.id].sort());
    assert.ok(!a.map.context.replicas().includes(gone), '!a.map.context.replicas().includes(gone)');
    assert.ok(converged(a, c), 'converged(a, c)');
    h.advance(1000);
    assert.deepEqual(h.types(), ['summary', 'summary'], 'pruned on both sides: idle again');
    h.deliverAll();
    assert.equal(h.inFlight.length, 0);
    // A late message from the pruned replica changes nothing.
    const late = new Replicator<string>({ node: 'b', incarnation: 1, nowMs: h.now, random: 0 });
    const put = late.step({ type: 'put', key: 'late', value: 'x', nowMs: h.now });
    assert.ok(put.length > 0, 'put.length > 0');
    a.step({
      type: 'receive',
      from: 'c#1',
      message: {
        type: 'deltas',
        ...packDeltas([
          {
            key: 'late',
            entries: [{ rep: gone, seq: 99, ms: h.now, lc: 0, value: 'x' }],
            removed: [],
            ops: [[gone, 99]],
          },
        ]),
      },
      nowMs: h.now,
    });
    assert.equal(a.get('late'), undefined);
  });

  it('does not prune while a member stays unreachable without having reported', () => {
    const { h, a, c, gone } = departedScenario();
    h.step(a, { type: 'peerDown', peer: c.id, nowMs: h.now }); // c unreachable, not departed
    h.step(c, { type: 'peerDown', peer: a.id, nowMs: h.now });
    for (let i = 0; i < 15; i++) {
      h.advance(1000);
      h.deliverAll();
    }
    assert.ok(a.map.context.replicas().includes(gone), 'a.map.context.replicas().includes(gone)');
    assert.equal(h.events.filter((e) => e.effect.type === 'pruned').length, 0);
  });

  it('refuses a peer whose id was pruned (a returning node needs a new incarnation)', () => {
    const { h, a, gone } = departedScenario();
    for (let i = 0; i < 12; i++) {
      h.advance(1000, i % 2 === 0 ? 0 : 0.99);
      h.deliverAll();
    }
    const effects = h.step(a, { type: 'peerUp', peer: gone, nowMs: h.now });
    assert.ok(effects[0]?.type === 'rejected', "effects[0]?.type === 'rejected'");
    assert.ok(!a.livePeers().includes(gone), '!a.livePeers().includes(gone)');
  });
});

describe('Replicator messages', () => {
  it('every message the replicator sends survives MessagePack and parseReplicaMessage unchanged', () => {
    const packr = new Packr({ useRecords: false, moreTypes: false });
    const h = new Harness<{ n: number }>();
    const opts = { logPerOrigin: 2, maxSnapshotKeys: 3 };
    const [a, b] = [h.add('a', 1, opts), h.add('b', 1, opts)];
    h.connect(a, b);
    for (let i = 0; i < 10; i++) h.put(a, `k${i}`, { n: i });
    h.del(a, 'k0');
    const types = new Set<string>();
    h.advance(1000);
    h.deliverAll((m) => {
      types.add(m.message.type);
      const back = parseReplicaMessage(packr.unpack(packr.pack(m.message)));
      assert.equal(plain(back), plain(m.message));
      return true;
    });
    h.step(b, { type: 'peerDown', peer: a.id, nowMs: h.now });
    for (let i = 0; i < 10; i++) h.put(a, `j${i}`, { n: i });
    h.step(b, { type: 'peerUp', peer: a.id, nowMs: h.now });
    h.deliverAll((m) => {
      types.add(m.message.type);
      parseReplicaMessage(packr.unpack(packr.pack(m.message)));
      return true;
    });
    assert.deepEqual([...types].sort(), ['deltas', 'digest', 'hashRequest', 'hashes', 'snapshot', 'summary']);
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('parseReplicaMessage rejects malformed messages with CrdtMessageError', () => {
    for (const bad of [
      null,
      { type: 'nope' },
      { type: 'summary', applied: [1], state: [0, 0] },
      { type: 'digest', applied: { vv: [['a#1', 0]], cloud: [] }, state: [0, 0], reply: false },
      { type: 'deltas', reps: ['a#1'], deltas: [['k', [[0, 1, 5, 0]], [], [0, 1]]] },
      { type: 'deltas', reps: ['a#1'], deltas: [['k', [[1, 1, 5, 0, 'v']], [], [0, 1]]] },
      { type: 'hashes', hashes: [1, 2] },
      {
        type: 'snapshot',
        id: 1,
        index: 2,
        count: 2,
        buckets: [],
        entries: [],
        ctx: { vv: [], cloud: [] },
        applied: { vv: [], cloud: [] },
      },
      { type: 'deltas', reps: ['a#1'], deltas: [['k', [], [0, 1]]] },
      { type: 'deltas', deltas: [['k', [], [], []]] },
    ]) {
      assert.throws(() => parseReplicaMessage(bad), CrdtMessageError, JSON.stringify(bad));
    }
  });

  it('rejects invalid options at construction', () => {
    assert.throws(
      () => new Replicator({ node: 'a', incarnation: 1, nowMs: 0, random: 0, options: { buckets: 100 } }),
      CrdtOptionError,
    );
    assert.throws(
      () => new Replicator({ node: 'a', incarnation: 1, nowMs: 0, random: 0, options: { flushMs: -1 } }),
      CrdtOptionError,
    );
  });
});

function plain(value: unknown): string {
  const walk = (v: unknown): unknown =>
    v instanceof Uint8Array
      ? Array.from(v)
      : Array.isArray(v)
        ? v.map(walk)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return JSON.stringify(walk(value));
}
