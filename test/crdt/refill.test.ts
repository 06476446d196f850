// Refilling (crdt/core/refill.ts): a replica that started empty while peers hold the map cannot tell
// an absent key from one that has not arrived, until a peer's snapshot has filled it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DurableRecord } from '../../packages/runtime/src/crdt/core/durable.ts';
import { isRefilling } from '../../packages/runtime/src/crdt/core/refill.ts';
import { Replicator } from '../../packages/runtime/src/crdt/core/replicator.ts';
import { Harness } from './helpers.ts';

describe('isRefilling', () => {
  it('is true only for a replica that started empty, knows a peer and has not been filled', () => {
    for (const restored of [false, true])
      for (const filled of [false, true])
        for (const peersKnown of [false, true]) {
          const expected = !restored && !filled && peersKnown;
          assert.equal(
            isRefilling({ restored, filled, peersKnown }),
            expected,
            `${restored} ${filled} ${peersKnown}`,
          );
        }
  });
});

/** A replica of `node` added to the harness, as a restart of that node would create it. */
function restartOf<V>(
  h: Harness<V>,
  node: string,
  incarnation: number,
  init: Partial<ConstructorParameters<typeof Replicator<V>>[0]> = {},
): Replicator<V> {
  const r = new Replicator<V>({ node, incarnation, nowMs: h.now, random: 0.5, ...init });
  h.replicas.set(r.id, r);
  return r;
}

describe('Replicator.refilling', () => {
  it('a replica alone is not refilling: it has no peer to refill from', () => {
    const h = new Harness<string>();
    const a = h.add('a');
    h.put(a, 'k', 'v');
    assert.equal(a.knowsPeers, false);
    assert.equal(a.refilling, false);
  });

  it('a replica that sees a peer is refilling until that peer’s snapshot is in, and stays filled after', () => {
    const h = new Harness<string>();
    const a = h.add('a');
    h.put(a, 'hero', 'lynx');
    const b = h.add('b');
    h.connect(a, b);
    assert.equal(b.refilling, true, 'b started empty and sees a');
    assert.equal(b.get('hero'), undefined, 'nothing arrived yet');
    h.deliverAll();
    assert.equal(b.get('hero'), 'lynx');
    assert.equal(b.refilling, false, 'filled by a');
    assert.equal(a.refilling, false, 'a pulled from b too');
    h.step(b, { type: 'peerDown', peer: a.id, nowMs: h.now, left: true });
    assert.equal(b.refilling, false, 'a filled replica stays filled');
  });

  it('deltas alone do not end a refill: only a snapshot carries the state', () => {
    const h = new Harness<string>();
    const a = h.add('a');
    h.put(a, 'old', 'x');
    const b = h.add('b');
    h.connect(a, b);
    h.dropAll(); // the pulls and digests are lost
    h.now += 100; // past the push window: pushed at once
    h.put(a, 'new', 'y');
    h.deliverAll((m) => m.message.type === 'deltas');
    assert.equal(b.get('new'), 'y', 'the push arrived');
    assert.equal(b.get('old'), undefined, 'the older record did not');
    assert.equal(b.refilling, true);
  });

  it('a replica restarted empty after seeing a peer is refilling while cut off, and filled once it reaches one', () => {
    const h = new Harness<string>();
    const a1 = h.add('a');
    const b = h.add('b');
    h.connect(a1, b);
    h.deliverAll();
    h.put(a1, 'hero', 'lynx');
    h.deliverAll();
    assert.equal(a1.knowsPeers, true);
    h.step(a1, { type: 'peerDown', peer: b.id, nowMs: h.now });
    // The lost disk: a new replica of `a`, cut off from `b`, told its predecessor had peers.
    const a2 = restartOf(h, 'a', 2, { peersBefore: a1.knowsPeers });
    h.replicas.delete(a1.id);
    assert.equal(a2.get('hero'), undefined);
    assert.equal(a2.refilling, true, 'b holds what a lost, reachable or not');
    h.connect(a2, b);
    h.deliverAll();
    assert.equal(a2.get('hero'), 'lynx');
    assert.equal(a2.refilling, false);
  });

  it('a peer that went away leaves a replica that has not been filled refilling', () => {
    const h = new Harness<string>();
    const a = h.add('a');
    const b = h.add('b');
    h.connect(a, b);
    h.dropAll();
    h.step(a, { type: 'peerDown', peer: b.id, nowMs: h.now, left: true });
    assert.equal(a.refilling, true, "b's state still exists; a has not seen it");
  });

  it('a replica restored from a durable image with state is not refilling; one from an empty image is', () => {
    const h = new Harness<string>();
    const records: DurableRecord<string>[] = [];
    const first = new Replicator<string>({
      node: 'a',
      incarnation: 1,
      nowMs: h.now,
      random: 0.5,
      durable: true,
    });
    for (const e of first.step({ type: 'put', key: 'hero', value: 'lynx', nowMs: h.now }))
      if (e.type === 'persist') records.push(e.record);
    const b = h.add('b');

    const restored = restartOf(h, 'a', 2, { durable: true, restore: { state: undefined, records } });
    h.connect(restored, b);
    assert.equal(restored.caughtUp, false, 'not refreshed from b yet');
    assert.equal(restored.refilling, false, 'it holds what it had');

    const blank = restartOf(h, 'c', 1, { durable: true, restore: { state: undefined, records: [] } });
    h.connect(blank, b);
    assert.equal(blank.refilling, true, 'an empty directory is an empty start');
  });
});
