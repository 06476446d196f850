// A durable replica restored from what it wrote down holds exactly what it held, under a new id;
// seeded random schedules of writes, lossy delivery, snapshot refills, compactions and restarts
// from disk end with every replica converged. Replay a failure with CRDT_DURABLE_SEED=<seed>.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DurableRecord, DurableState } from '../../packages/runtime/src/crdt/core/durable.ts';
import type { ReplicaMessage } from '../../packages/runtime/src/crdt/core/messages.ts';
import {
  converged,
  Replicator,
  type ReplicatorInput,
} from '../../packages/runtime/src/crdt/core/replicator.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';

interface Disk {
  state: DurableState<number> | undefined;
  records: DurableRecord<number>[];
}

interface Node {
  readonly name: string;
  r: Replicator<number>;
  readonly disk: Disk;
  incarnation: number;
}

function snapshotOf(r: Replicator<number>): string {
  const s = r.durableState();
  return JSON.stringify({ entries: s.map.entries, ctx: s.map.ctx, applied: s.applied });
}

function runSchedule(seed: number, steps: number): void {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let now = 1_000_000;
  const inFlight: { from: string; to: string; message: ReplicaMessage<number> }[] = [];
  const nodes: Node[] = ['a', 'b', 'c'].map((name) => {
    const disk: Disk = { state: undefined, records: [] };
    const r = new Replicator<number>({ node: name, incarnation: 1, nowMs: now, random: 0.5, durable: true });
    return { name, r, disk, incarnation: 1 };
  });
  const byId = (id: string): Node | undefined => nodes.find((n) => n.r.id === id);
  const step = (n: Node, input: ReplicatorInput<number>): void => {
    for (const e of n.r.step(input)) {
      if (e.type === 'persist') n.disk.records.push(e.record);
      if (e.type === 'send') inFlight.push({ from: n.r.id, to: e.to, message: e.message });
    }
  };
  const connectAll = (): void => {
    for (const a of nodes)
      for (const b of nodes) if (a !== b) step(a, { type: 'peerUp', peer: b.r.id, nowMs: now });
  };
  connectAll();
  for (let i = 0; i < steps; i++) {
    now += Math.floor(rand() * 20);
    const roll = rand();
    const n = pick(nodes);
    if (roll < 0.35) step(n, { type: 'put', key: `k${Math.floor(rand() * 12)}`, value: i, nowMs: now });
    else if (roll < 0.45) step(n, { type: 'delete', key: `k${Math.floor(rand() * 12)}`, nowMs: now });
    else if (roll < 0.8 && inFlight.length > 0) {
      const m = inFlight.splice(Math.floor(rand() * inFlight.length), 1)[0]!;
      const to = byId(m.to);
      if (to !== undefined && rand() > 0.1)
        step(to, { type: 'receive', from: m.from, message: m.message, nowMs: now });
    } else if (roll < 0.9) step(n, { type: 'tick', nowMs: now + 1000, random: rand() });
    else if (roll < 0.94) {
      n.disk.state = n.r.durableState();
      n.disk.records = [];
    } else if (roll < 0.97) {
      // The process dies and starts again from its disk: same state, new replica id.
      const before = snapshotOf(n.r);
      const oldId = n.r.id;
      n.incarnation++;
      n.r = new Replicator<number>({
        node: n.name,
        incarnation: n.incarnation,
        nowMs: now,
        random: 0.5,
        durable: true,
        restore: { state: n.disk.state, records: [...n.disk.records] },
      });
      assert.notEqual(n.r.id, oldId);
      assert.equal(snapshotOf(n.r), before, `seed ${seed}: restored state differs at step ${i}`);
      for (const o of nodes) if (o !== n) step(o, { type: 'peerDown', peer: oldId, nowMs: now });
      connectAll();
    } else {
      // A lost disk: the replica starts empty and refills from its peers.
      const oldId = n.r.id;
      n.incarnation++;
      n.disk.state = undefined;
      n.disk.records = [];
      n.r = new Replicator<number>({
        node: n.name,
        incarnation: n.incarnation,
        nowMs: now,
        random: 0.5,
        durable: true,
      });
      for (const o of nodes) if (o !== n) step(o, { type: 'peerDown', peer: oldId, nowMs: now });
      connectAll();
    }
  }
  // Quiesce: deliver everything and run anti-entropy until all agree.
  for (let round = 0; round < 200; round++) {
    while (inFlight.length > 0) {
      const m = inFlight.shift()!;
      const to = byId(m.to);
      if (to !== undefined) step(to, { type: 'receive', from: m.from, message: m.message, nowMs: now });
    }
    if (nodes.every((x) => converged(x.r, nodes[0]!.r))) break;
    now += 1000;
    for (const x of nodes) step(x, { type: 'tick', nowMs: now, random: rand() });
  }
  for (const x of nodes) assert.ok(converged(x.r, nodes[0]!.r), `seed ${seed}: ${x.name} did not converge`);
  // What each replica wrote down restores to what it holds now.
  for (const x of nodes) {
    const restored = new Replicator<number>({
      node: x.name,
      incarnation: x.incarnation + 1,
      nowMs: now,
      random: 0.5,
      restore: { state: x.disk.state, records: x.disk.records },
    });
    assert.equal(snapshotOf(restored), snapshotOf(x.r), `seed ${seed}: final restore of ${x.name}`);
  }
}

test('a replica restored from its records and compacted state holds what it held, and replicas still converge', () => {
  const fixed = process.env['CRDT_DURABLE_SEED'];
  const seeds = fixed !== undefined ? [Number(fixed)] : Array.from({ length: 40 }, (_, i) => 1000 + i);
  for (const seed of seeds) {
    try {
      runSchedule(seed, 400);
    } catch (err) {
      console.error(`CRDT_DURABLE_SEED=${seed}`);
      throw err;
    }
  }
});

test('new writes after a restore are stamped after every restored write', () => {
  const disk: DurableRecord<string>[] = [];
  const a = new Replicator<string>({ node: 'a', incarnation: 1, nowMs: 5_000_000, random: 0, durable: true });
  for (const e of a.step({ type: 'put', key: 'k', value: 'v1', nowMs: 5_000_000 }))
    if (e.type === 'persist') disk.push(e.record);
  // The wall clock now reads earlier than the write (a clock stepped back across the restart).
  const b = new Replicator<string>({
    node: 'a',
    incarnation: 2,
    nowMs: 4_000_000,
    random: 0,
    durable: true,
    restore: { state: undefined, records: disk },
  });
  assert.equal(b.get('k'), 'v1');
  b.step({ type: 'put', key: 'k', value: 'v2', nowMs: 4_000_000 });
  const e = b.map.winner('k')!;
  assert.equal(e.value, 'v2');
  assert.ok(e.ms > 5_000_000 || (e.ms === 5_000_000 && e.lc > 0), 'stamped after the restored write');
  assert.equal(e.rep, b.id);
  assert.equal(e.seq, 1, 'a new replica id starts its own seqs');
});

test('a replica restored from disk pulls from the first peer it reaches and counts as caught up only then', () => {
  type Msg = { to: string; from: string; message: ReplicaMessage<string> };
  const wire: Msg[] = [];
  const disk: DurableRecord<string>[] = [];
  let now = 7_000_000;
  const run = (
    r: Replicator<string>,
    input: ReplicatorInput<string>,
    keep?: DurableRecord<string>[],
  ): void => {
    for (const e of r.step(input)) {
      if (e.type === 'send') wire.push({ to: e.to, from: r.id, message: e.message });
      if (e.type === 'persist') keep?.push(e.record);
    }
  };
  const deliver = (byId: Map<string, Replicator<string>>): void => {
    while (wire.length > 0) {
      const m = wire.shift()!;
      const to = byId.get(m.to);
      if (to !== undefined) run(to, { type: 'receive', from: m.from, message: m.message, nowMs: now });
    }
  };
  const a = new Replicator<string>({ node: 'a', incarnation: 1, nowMs: now, random: 0, durable: true });
  const b = new Replicator<string>({ node: 'b', incarnation: 1, nowMs: now, random: 0 });
  run(a, { type: 'peerUp', peer: b.id, nowMs: now }, disk);
  run(b, { type: 'peerUp', peer: a.id, nowMs: now });
  deliver(new Map([a, b].map((r) => [r.id, r])));
  run(a, { type: 'put', key: 'hero', value: 'owned by a', nowMs: ++now }, disk);
  deliver(new Map([a, b].map((r) => [r.id, r])));
  assert.ok(a.caughtUp, 'a was refilled from b when they met');
  // a dies; b goes on writing while a is down.
  run(b, { type: 'peerDown', peer: a.id, nowMs: ++now });
  run(b, { type: 'put', key: 'hero', value: 'taken over by b', nowMs: ++now });
  now += 5000;
  const a2 = new Replicator<string>({
    node: 'a',
    incarnation: 2,
    nowMs: now,
    random: 0,
    durable: true,
    restore: { state: undefined, records: disk },
  });
  assert.equal(a2.get('hero'), 'owned by a', 'the disk holds what a knew');
  assert.equal(a2.caughtUp, false, 'a restored replica is not caught up before it hears from a peer');
  const sent = wire.length;
  run(a2, { type: 'peerUp', peer: b.id, nowMs: now });
  assert.ok(
    wire.slice(sent).some((m) => m.to === b.id && m.message.type === 'hashes'),
    'the restored replica pulls a snapshot from the first peer',
  );
  run(b, { type: 'peerUp', peer: a2.id, nowMs: now });
  deliver(new Map([a2, b].map((r) => [r.id, r])));
  assert.equal(a2.get('hero'), 'taken over by b');
  assert.ok(a2.caughtUp, 'caught up once the snapshot is in');
});
