import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaMap } from '../../packages/runtime/src/crdt/core/delta-map.ts';
import { CrdtStateError } from '../../packages/runtime/src/crdt/core/errors.ts';
import { converged } from '../../packages/runtime/src/crdt/core/replicator.ts';
import { joinKeyDeltas } from '../../packages/runtime/src/crdt/core/entry.ts';

const A = 'a#1';
const B = 'b#1';
const C = 'c#1';
const at = (ms: number, lc = 0): { ms: number; lc: number } => ({ ms, lc });

describe('DeltaMap: add-wins map of LWW registers', () => {
  it('a put is visible locally and on a replica that joins its delta', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    const d = a.put('k', 'v1', at(10));
    assert.equal(a.get('k'), 'v1');
    const change = b.applyDelta(d);
    assert.equal(change?.after?.value, 'v1');
    assert.equal(b.get('k'), 'v1');
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('a causally later put replaces the value even when its clock is behind', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    b.applyDelta(a.put('k', 'old', at(5000)));
    const d = b.put('k', 'new', at(1000)); // b's wall clock is behind a's
    a.applyDelta(d);
    assert.equal(a.get('k'), 'new');
    assert.deepEqual(a.entriesOf('k').length, 1);
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('concurrent puts both survive and the greatest HLC stamp wins on every replica', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    const da = a.put('k', 'from-a', at(100));
    const db = b.put('k', 'from-b', at(200));
    a.applyDelta(db);
    b.applyDelta(da);
    assert.equal(a.get('k'), 'from-b');
    assert.equal(b.get('k'), 'from-b');
    assert.equal(a.entriesOf('k').length, 2);
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('equal physical time and counter are broken by replica id, the same way everywhere', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    const da = a.put('k', 'from-a', at(100));
    const db = b.put('k', 'from-b', at(100));
    b.applyDelta(da);
    a.applyDelta(db);
    assert.equal(a.get('k'), 'from-b');
    assert.equal(b.get('k'), 'from-b');
  });

  it('a put concurrent with a delete wins (add-wins): the delete removes only what it saw', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    b.applyDelta(a.put('k', 'v1', at(1)));
    const del = b.delete('k');
    const put = a.put('k', 'v2', at(2));
    assert.ok(del !== undefined, 'del !== undefined');
    a.applyDelta(del);
    b.applyDelta(put);
    assert.equal(a.get('k'), 'v2');
    assert.equal(b.get('k'), 'v2');
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('a delete after a put removes the key everywhere and leaves no tombstone entry', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    const put = a.put('k', 'v', at(1));
    b.applyDelta(put);
    const del = b.delete('k');
    assert.ok(del !== undefined, 'del !== undefined');
    a.applyDelta(del);
    assert.equal(a.has('k'), false);
    assert.equal(a.size, 0);
    assert.deepEqual(a.toState().entries, []);
    // The old put arriving again (duplicate, reordered) does not bring the key back.
    a.applyDelta(put);
    assert.equal(a.has('k'), false);
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('a delete that arrives before the put it removes still wins when the put arrives', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    const c = new DeltaMap<string>(C);
    const put = a.put('k', 'v', at(1));
    b.applyDelta(put);
    const del = b.delete('k');
    assert.ok(del !== undefined, 'del !== undefined');
    c.applyDelta(del);
    c.applyDelta(put);
    assert.equal(c.has('k'), false);
  });

  it('deleting an absent key uses no dot and yields no delta', () => {
    const a = new DeltaMap<string>(A);
    assert.equal(a.delete('nope'), undefined);
    assert.equal(a.context.max(A), 0);
  });

  it('keeps all concurrent entries so a delete of the stamp-winner does not drop the loser (design 5.1)', () => {
    // n1 holds X (higher stamp) and receives concurrent Y (lower stamp); n3 sees only X and
    // deletes k; n1 applies the delete (covers X, not Y); n3 then receives Y.
    const n1 = new DeltaMap<string>('n1#1');
    const n2 = new DeltaMap<string>('n2#1');
    const n3 = new DeltaMap<string>('n3#1');
    const x = n1.put('k', 'X', at(200));
    const y = n2.put('k', 'Y', at(100));
    n1.applyDelta(y);
    assert.equal(n1.get('k'), 'X');
    n3.applyDelta(x);
    const del = n3.delete('k');
    assert.ok(del !== undefined, 'del !== undefined');
    n1.applyDelta(del);
    n3.applyDelta(y);
    assert.equal(n1.get('k'), 'Y');
    assert.equal(n3.get('k'), 'Y');
    assert.ok(converged(n1, n3), 'converged(n1, n3)');
  });

  it('a restarted node with a new incarnation is not ignored by peers that saw its old dots', () => {
    const peer = new DeltaMap<string>(B);
    const before = new DeltaMap<string>('gotham#1');
    peer.applyDelta(before.put('k1', 'v1', at(1)));
    peer.applyDelta(before.put('k2', 'v2', at(2)));
    const after = new DeltaMap<string>('gotham#2'); // empty, same node, new incarnation
    peer.applyDelta(after.put('k3', 'v3', at(3)));
    assert.equal(peer.get('k3'), 'v3');
    // The same id reusing dot 1 would have been ignored: that is what incarnations prevent.
    const reused = new DeltaMap<string>('gotham#1');
    peer.applyDelta(reused.put('k4', 'v4', at(4)));
    assert.equal(peer.get('k4'), undefined);
  });

  it('joining a delta touches only its key, even when other keys are missing from the message', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    for (let i = 0; i < 10; i++) b.applyDelta(a.put(`k${i}`, 'v', at(i)));
    const c = new DeltaMap<string>(C);
    c.applyDelta(a.put('k0', 'v-new', at(50)));
    assert.equal(c.size, 1);
    b.joinState(c.toState());
    assert.equal(b.size, 10);
  });

  it('a full state join removes keys the other side has deleted', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    b.applyDelta(a.put('k', 'v', at(1)));
    a.delete('k');
    b.joinState(a.toState());
    assert.equal(b.has('k'), false);
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('joinKeyDeltas coalesces two deltas of a key into one with the union of their contexts', () => {
    const a = new DeltaMap<string>(A);
    const d1 = a.put('k', 'v1', at(1));
    const d2 = a.put('k', 'v2', at(2));
    const joined = joinKeyDeltas(d1, d2);
    assert.deepEqual(
      joined.entries.map((e) => e.value),
      ['v2'],
    );
    assert.deepEqual(joined.removed, [[A, 1]]);
    const b = new DeltaMap<string>(B);
    b.applyDelta(joined);
    assert.ok(converged(a, b), 'converged(a, b)');
  });

  it('fromState round-trips and rejects an entry outside its context', () => {
    const a = new DeltaMap<string>(A);
    a.put('k', 'v', at(1));
    a.put('j', 'w', at(2));
    const copy = DeltaMap.fromState<string>(B, a.toState());
    assert.ok(converged(a, copy), 'converged(a, copy)');
    const bad = {
      entries: [['k', [{ rep: A, seq: 9, ms: 1, lc: 0, value: 'x' }]]] as const,
      ctx: { vv: [], cloud: [] },
    };
    assert.throws(() => DeltaMap.fromState(B, bad), CrdtStateError);
  });

  it('retire refuses while an entry of the replica survives, then covers its dots forever', () => {
    const a = new DeltaMap<string>(A);
    const b = new DeltaMap<string>(B);
    const put = a.put('k', 'v', at(1));
    b.applyDelta(put);
    assert.equal(b.retire(A), false);
    b.put('k', 'overwritten', at(2));
    assert.equal(b.retire(A), true);
    assert.equal(b.context.replicas().includes(A), false);
    b.applyDelta(a.put('late', 'x', at(3)));
    assert.equal(b.has('late'), false);
  });
});
