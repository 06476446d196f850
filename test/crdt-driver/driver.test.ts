// The driver against stand-in nodes: the hello exchange that maps nodes to replica ids, what it
// does with messages it cannot use (drop, count, carry on), messages meant for a replica that no
// longer exists, the wire form of every core message, and versions under a burst of writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ClusterMessageType } from '../../packages/runtime/src/cluster/message-types.ts';
import {
  CrdtDriver,
  decodeWire,
  encodeWire,
  stampVersion,
} from '../../packages/runtime/src/crdt/driver/index.ts';
import type { DriverMessage } from '../../packages/runtime/src/crdt/driver/index.ts';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { FakeNode, link, pump } from './fake-node.ts';

const CRDT = ClusterMessageType.Crdt;
const T0 = 1_732_242_342_000;

/** Two drivers on stand-in nodes; pushes go out at once (no coalescing window: no timer needed). */
function pair(now?: () => number): {
  a: FakeNode;
  b: FakeNode;
  da: CrdtDriver<unknown>;
  db: CrdtDriver<unknown>;
  close: () => void;
} {
  const a = new FakeNode('gotham@127.0.0.1:1');
  const b = new FakeNode('metropolis@127.0.0.1:2');
  const common = { random: () => 0.5, replicator: { flushMs: 0 }, ...(now === undefined ? {} : { now }) };
  const da = CrdtDriver.start({ node: a, ...common });
  const db = CrdtDriver.start({ node: b, ...common });
  return {
    a,
    b,
    da,
    db,
    close: () => {
      da.close();
      db.close();
    },
  };
}

test('peers learn each other’s replica id by hello on node up, and then replicate', () => {
  const { a, b, da, db, close } = pair();
  try {
    link(a, b);
    pump([a, b], CRDT);
    assert.equal(da.peers().get(b.name), db.id);
    assert.equal(db.peers().get(a.name), da.id);
    assert.ok(da.id.startsWith(`${a.name}#`));
    da.put('k', 'v');
    pump([a, b], CRDT);
    assert.equal(db.get('k')?.value, 'v');
    assert.deepEqual(da.summary(), db.summary());
  } finally {
    close();
  }
});

test('a store that starts after its node connected greets the connected peers and is answered', () => {
  const a = new FakeNode('gotham@127.0.0.1:1');
  const b = new FakeNode('metropolis@127.0.0.1:2');
  link(a, b);
  const da = CrdtDriver.start({ node: a });
  pump([a, b], CRDT); // b has no store yet: the hello is lost
  const db = CrdtDriver.start({ node: b });
  try {
    pump([a, b], CRDT);
    assert.equal(da.peers().get(b.name), db.id);
    assert.equal(db.peers().get(a.name), da.id);
  } finally {
    da.close();
    db.close();
  }
});

test('malformed messages are counted and dropped; the replica is unchanged and keeps working', () => {
  const { a, b, da, db, close } = pair();
  try {
    link(a, b);
    pump([a, b], CRDT);
    da.put('k', 1);
    pump([a, b], CRDT);
    const before = JSON.stringify(db.summary());
    const bad: unknown[] = [
      {},
      [],
      [99],
      'summary',
      [0, [1], [2, 3]],
      [2, ['x'], [['k', [[5, 1, 1, 0, 'v']], [], []]]],
      [5, 0, 2, 1, [], [], [], { vv: [], cloud: [] }, { vv: [], cloud: [] }],
      [6, 'capitol@127.0.0.1:3#1', ''],
      [6, `${a.name}#not-a-number`, ''],
      [2, ['#x'], [['k', [[0, 1, 1, 0, 'v']], [], [0, 1]]]],
      [2, ['no-incarnation'], [['k', [[0, 1, 1, 0, 'v']], [], [0, 1]]]],
    ];
    for (const payload of bad) b.deliver(a.name, CRDT, payload);
    assert.equal(db.stats().malformed, bad.length);
    assert.equal(JSON.stringify(db.summary()), before);
    assert.equal(db.peers().get(a.name), da.id, 'a hello naming another node changed nothing');
    da.put('k', 2);
    pump([a, b], CRDT);
    assert.equal(db.get('k')?.value, 2);
  } finally {
    close();
  }
});

test('a message from a peer whose id is unknown is dropped and answered with a hello', () => {
  let clock = T0;
  const { a, b, da, db, close } = pair(() => clock);
  try {
    a.up(b.name);
    b.up(a.name);
    a.take();
    b.take(); // both hellos lost
    clock += 1000; // one helloRetryMs later
    b.deliver(a.name, CRDT, encodeWire(da.summary(), db.id, { from: a.name, to: b.name }));
    assert.equal(db.stats().droppedUnknownPeer, 1);
    const answer = b.take();
    assert.equal(answer.length, 1);
    assert.equal(decodeWire(answer[0]!.payload, { from: b.name, to: a.name }).message.type, 'hello');
    a.deliver(b.name, CRDT, answer[0]!.payload);
    pump([a, b], CRDT);
    assert.equal(db.peers().get(a.name), da.id);
  } finally {
    close();
  }
});

test('a snapshot chunk cut for a replica that has since restarted empty does not count as its refill', () => {
  const { a, b, da, db, close } = pair();
  try {
    link(a, b);
    for (let i = 0; i < 50; i++) da.put(`k${i}`, i);
    // Deliver by hand, keeping a copy of gotham's snapshot for metropolis's first replica.
    let stale: unknown;
    for (let round = 0; round < 20; round++) {
      for (const m of a.take()) {
        if (decodeWire(m.payload, { from: a.name, to: b.name }).message.type === 'snapshot')
          stale = m.payload;
        b.deliver(a.name, m.type, m.payload);
      }
      for (const m of b.take()) a.deliver(b.name, m.type, m.payload);
    }
    assert.notEqual(stale, undefined);
    assert.equal(db.bootstrapped, true);
    const old = db.id;
    assert.notEqual(db.restartEmpty(), old);
    b.deliver(a.name, CRDT, stale);
    assert.equal(db.stats().droppedStale, 1);
    assert.equal(db.bootstrapped, false, 'the old snapshot did not complete the new replica');
    assert.equal(db.get('k1'), undefined);
    pump([a, b], CRDT);
    assert.equal(da.peers().get(b.name), db.id);
    assert.equal(db.bootstrapped, true, 'refilled from gotham');
    assert.equal(db.get('k49')?.value, 49);
    assert.deepEqual(da.summary(), db.summary());
  } finally {
    close();
  }
});

test('a push names the ends of its link by incarnation only, and the receiver restores the full ids', () => {
  const { a, b, da, db, close } = pair();
  const c = new FakeNode('capitol@127.0.0.1:3');
  const dc = CrdtDriver.start({ node: c, replicator: { flushMs: 0 } });
  try {
    link(a, b);
    link(a, c);
    link(b, c);
    pump([a, b, c], CRDT);
    db.put('k', 'by metropolis');
    dc.put('j', 'by capitol');
    pump([a, b, c], CRDT);
    da.put('k', 'by gotham'); // removes metropolis's entry
    da.put('j', 'by gotham'); // removes capitol's entry
    const pushes = a.take().filter((m) => m.to === b.name);
    const reps = pushes.flatMap((m) => (m.payload as [number, string[]])[1]);
    assert.deepEqual(
      reps.sort(),
      [
        da.id.slice(a.name.length),
        da.id.slice(a.name.length),
        `#${db.id.slice(b.name.length)}`,
        dc.id,
      ].sort(),
    );
    for (const m of pushes) b.deliver(a.name, m.type, m.payload);
    assert.equal(db.get('k')?.value, 'by gotham');
    assert.equal(db.get('k')?.rep, da.id);
    assert.equal(db.get('j')?.rep, da.id);
  } finally {
    close();
    dc.close();
  }
});

test('every core message survives the wire form and MessagePack unchanged', () => {
  const { a, b, da, db, close } = pair();
  try {
    const seen: DriverMessage<unknown>[] = [];
    const exchange = (): void => {
      for (let round = 0; round < 20; round++) {
        for (const [from, to] of [
          [a, b],
          [b, a],
        ] as const) {
          for (const m of from.take()) {
            seen.push(decodeWire(m.payload, { from: from.name, to: to.name }).message);
            to.deliver(from.name, m.type, m.payload);
          }
        }
      }
    };
    for (let i = 0; i < 30; i++) da.put(`k${i}`, { i, nested: [i, 'x'], bytes: new Uint8Array([i]) });
    link(a, b);
    exchange();
    da.delete('k3');
    db.put('k4', 'from b');
    exchange();
    assert.deepEqual(da.summary(), db.summary());
    const types = new Set(seen.map((m) => m.type));
    for (const t of ['hello', 'deltas', 'hashes', 'snapshot', 'digest', 'ack'])
      assert.ok(types.has(t as never), t);
    const ab = { from: a.name, to: b.name };
    for (const m of seen) {
      const back = decodeWire(decodePayload(encodePayload(encodeWire(m, db.id, ab))), ab);
      assert.deepEqual(normalise(back.message), normalise(m), m.type);
      assert.equal(back.to, m.type === 'snapshot' || m.type === 'ack' ? db.id : undefined);
    }
    fc.assert(
      fc.property(fc.constantFrom(...seen), fc.integer({ min: 0, max: 12 }), (m, cut) => {
        // A truncated tuple is refused with a CrdtMessageError, never thrown as anything else.
        const full = encodeWire(m, db.id, ab);
        const tuple = [...full].slice(0, cut);
        try {
          decodeWire(tuple, ab);
          return tuple.length === full.length;
        } catch (err) {
          return (err as { code?: string }).code === 'CRDT_MESSAGE';
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  } finally {
    close();
  }
});

test('versions grow with every write, even a thousand and more in one millisecond', () => {
  const node = new FakeNode('gotham@127.0.0.1:1');
  const d = CrdtDriver.start({ node, now: () => T0 }); // the wall clock stands still
  try {
    let last = 0;
    // Distinct keys: the HLC is per replica, so this is the same counter one hot key would use.
    for (let i = 0; i < 3000; i++) {
      const v = stampVersion(d.put(`k${i}`, i));
      assert.ok(v > last, `write ${i}: ${v} > ${last}`);
      assert.ok(Number.isSafeInteger(v));
      last = v;
    }
    const again = stampVersion(d.put('k0', 'again'));
    assert.ok(again > last);
    assert.ok(again - T0 * 1024 < 4 * 1024, 'it borrowed only a few milliseconds');
  } finally {
    d.close();
  }
});

test('stampVersion is ms × 1024 + logical counter, clamped within the millisecond', () => {
  assert.equal(stampVersion({ ms: T0, lc: 0 }), T0 * 1024);
  assert.equal(stampVersion({ ms: T0, lc: 5 }), T0 * 1024 + 5);
  assert.equal(stampVersion({ ms: T0, lc: 5000 }), T0 * 1024 + 1023);
  assert.ok(Number.isSafeInteger(stampVersion({ ms: Date.UTC(2200, 0, 1), lc: 1023 })));
});

test('the driver runs anti-entropy every 500 ms unless told otherwise', () => {
  const d = CrdtDriver.start({ node: new FakeNode('gotham@127.0.0.1:1') });
  const e = CrdtDriver.start({
    node: new FakeNode('metropolis@127.0.0.1:2'),
    replicator: { antiEntropyMs: 250 },
  });
  try {
    assert.equal(d.replicator.options.antiEntropyMs, 500);
    assert.equal(d.replicator.options.flushMs, 5, 'the core’s other defaults stay');
    assert.equal(e.replicator.options.antiEntropyMs, 250);
    assert.throws(() => CrdtDriver.start({ node: new FakeNode('x@h:1'), replicator: { buckets: 3 } }), {
      code: 'CRDT_OPTION',
    });
    assert.throws(() => CrdtDriver.start({ node: new FakeNode('y@h:1'), helloRetryMs: 0 }), {
      code: 'CRDT_DRIVER_OPTION',
    });
  } finally {
    d.close();
    e.close();
  }
});

test('close stops the driver: writes throw, and a new driver can attach to the node', async () => {
  const node = new FakeNode('gotham@127.0.0.1:1');
  const d = CrdtDriver.start({ node });
  d.close();
  assert.throws(() => d.put('k', 1), { code: 'CRDT_DRIVER_CLOSED' });
  assert.equal(await d.refilled(10), false);
  const again = CrdtDriver.start({ node });
  again.put('k', 1);
  assert.equal(again.get('k')?.value, 1);
  assert.notEqual(again.id, d.id);
  again.close();
});

/** Buffers decode where Uint8Arrays went in: compare bytes as plain arrays. */
function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  return value;
}
