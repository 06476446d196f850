/** Group commit: batching, per-write conflicts, failures, order per key, the store's limits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit as WriteBatcher, groupCommit } from '../../packages/runtime/src/store/group-commit.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import type { Condition as BatchCondition, Op as BatchOp } from '../../packages/runtime/src/store/ops.ts';
import { ConflictError } from '../../packages/runtime/src/store/ops.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';

/**
 * A store of versions with transactions, like the Raft store's: all-or-nothing, failed keys named;
 * it records every call (the batches) and can be told to fail.
 */
class FakeStore {
  readonly versions = new Map<string, number>();
  readonly calls: { ops: readonly BatchOp[]; conditions: readonly BatchCondition[] }[] = [];
  index = 0;
  failWith: Error | undefined;

  transaction = async (ops: readonly BatchOp[], conditions: readonly BatchCondition[] = []) => {
    this.calls.push({ ops, conditions });
    await Promise.resolve();
    if (this.failWith) throw this.failWith;
    const failed = conditions
      .map((c) => ({ ...c, actual: this.versions.get(`${c.table}/${c.key}`) ?? 0 }))
      .filter((c) => c.actual !== c.version);
    if (failed.length > 0) {
      throw new ConflictError(
        failed.map((c) => ({ table: c.table, key: c.key, version: c.actual })),
        'conflict',
      );
    }
    const index = ++this.index;
    return {
      index,
      versions: ops.map((op) => {
        if (op.op === 'delete') {
          this.versions.delete(`${op.table}/${op.key}`);
          return { table: op.table, key: op.key, version: 0 };
        }
        this.versions.set(`${op.table}/${op.key}`, index);
        return { table: op.table, key: op.key, version: index };
      }),
    };
  };
}

/** Timers run only when the test says so. */
function manualTimers() {
  const due: (() => void)[] = [];
  return {
    setTimer: (fn: () => void) => void due.push(fn),
    async fire(): Promise<void> {
      while (due.length > 0) {
        due.shift()?.();
        // Let the transaction and its callbacks settle before the next timer.
        for (let i = 0; i < 10; i++) await Promise.resolve();
      }
    },
  };
}

const put = (key: string, value: unknown = key): BatchOp => ({ op: 'put', table: 'heroes', key, value });

test('writes submitted together commit as one transaction, each with its version', async () => {
  const store = new FakeStore();
  const timers = manualTimers();
  const batcher = new WriteBatcher({ transaction: store.transaction, setTimer: timers.setTimer });
  const writes = ['a', 'b', 'c'].map((k) => batcher.submit(put(k), 0));
  assert.equal(store.calls.length, 0, 'nothing leaves before the linger time');
  await timers.fire();
  assert.deepEqual(await Promise.all(writes), [1, 1, 1]);
  assert.equal(store.calls.length, 1);
  assert.deepEqual(batcher.stats, { batches: 1, writes: 3 });
});

test('a failed condition rejects only its own write; the others of the batch commit', async () => {
  const store = new FakeStore();
  store.versions.set('heroes/b', 7);
  const timers = manualTimers();
  const batcher = new WriteBatcher({ transaction: store.transaction, setTimer: timers.setTimer });
  const a = batcher.submit(put('a'), 0);
  const b = batcher.submit(put('b'), 3); // stale expectation: the store has 7
  const c = batcher.submit(put('c'), 0);
  const bOutcome = assert.rejects(b, (e: unknown) => e instanceof StoreError && e.code === 'conflict');
  await timers.fire();
  await bOutcome;
  assert.equal(await a, 1);
  assert.equal(await c, 1);
  assert.equal(store.versions.get('heroes/b'), 7, 'the conflicting write changed nothing');
});

test('a condition on another key (a fence) belongs to its write alone', async () => {
  const store = new FakeStore();
  store.versions.set('placement/a', 5);
  const timers = manualTimers();
  const batcher = new WriteBatcher({ transaction: store.transaction, setTimer: timers.setTimer });
  const a = batcher.submit(put('a'), 0, [{ table: 'placement', key: 'a', version: 4 }]);
  const b = batcher.submit(put('b'), 0, [{ table: 'placement', key: 'b', version: 0 }]);
  const aOutcome = assert.rejects(a, (e: unknown) => e instanceof StoreError && e.code === 'conflict');
  await timers.fire();
  await aOutcome;
  assert.equal(await b, 1);
  assert.equal(store.versions.has('heroes/a'), false);
});

test('any other failure rejects every write of the batch with it', async () => {
  const store = new FakeStore();
  store.failWith = new StoreError('no_quorum', 'no quorum: leader unreachable');
  const timers = manualTimers();
  const batcher = new WriteBatcher({ transaction: store.transaction, setTimer: timers.setTimer });
  const writes = ['a', 'b'].map((k) => batcher.submit(put(k), 0));
  const outcomes = writes.map((w) =>
    assert.rejects(w, (e: unknown) => e instanceof StoreError && e.code === 'no_quorum'),
  );
  await timers.fire();
  await Promise.all(outcomes);
});

test('two writes of one key never share a batch, and commit in order', async () => {
  const store = new FakeStore();
  const timers = manualTimers();
  const batcher = new WriteBatcher({
    transaction: store.transaction,
    setTimer: timers.setTimer,
    maxInFlight: 1,
  });
  const first = batcher.submit(put('a', 1));
  const other = batcher.submit(put('b'));
  const second = batcher.submit(put('a', 2));
  await timers.fire();
  assert.deepEqual(await Promise.all([first, other, second]), [1, 1, 2]);
  assert.deepEqual(
    store.calls.map((c) => c.ops.map((op) => op.key)),
    [['a', 'b'], ['a']],
  );
});

test('a write with a condition on a key written earlier in the batch waits for the next one', async () => {
  // One by one, the fenced write sees the placement record the write before it changed; in one
  // transaction it would be checked against the record before that write and wrongly pass.
  const store = new FakeStore();
  store.versions.set('placement/a', 5);
  const timers = manualTimers();
  const batcher = new WriteBatcher({
    transaction: store.transaction,
    setTimer: timers.setTimer,
    maxInFlight: 1,
  });
  const claim = batcher.submit({ op: 'put', table: 'placement', key: 'a', value: 'new owner' }, 5);
  const other = batcher.submit(put('b'), 0);
  const fenced = batcher.submit(put('a'), 0, [{ table: 'placement', key: 'a', version: 5 }]);
  const fencedOutcome = assert.rejects(
    fenced,
    (e: unknown) => e instanceof StoreError && e.code === 'conflict',
  );
  await timers.fire();
  await fencedOutcome;
  assert.deepEqual(await Promise.all([claim, other]), [1, 1]);
  assert.deepEqual(
    store.calls.map((c) => c.ops.map((op) => `${op.table}/${op.key}`)),
    [['placement/a', 'heroes/b'], ['heroes/a']],
  );
  assert.equal(store.versions.has('heroes/a'), false, 'the fenced write changed nothing');
});

test('a write with a bad key is refused alone, before it joins a batch', async () => {
  const store = new FakeStore();
  const timers = manualTimers();
  const batcher = new WriteBatcher({ transaction: store.transaction, setTimer: timers.setTimer });
  const good = batcher.submit(put('a'), 0);
  const bad = assert.rejects(
    batcher.submit(put('')),
    (e: unknown) => e instanceof StoreError && e.code === 'invalid',
  );
  const long = assert.rejects(
    batcher.submit(put('k'.repeat(1025))),
    (e: unknown) => e instanceof StoreError && e.code === 'invalid',
  );
  await timers.fire();
  await Promise.all([bad, long]);
  assert.equal(await good, 1);
  assert.deepEqual(
    store.calls.map((c) => c.ops.map((op) => op.key)),
    [['a']],
  );
});

test('batches hold at most maxOps writes, and at most maxInFlight are outstanding', async () => {
  const store = new FakeStore();
  let outstanding = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const slow = async (ops: readonly BatchOp[], conditions: readonly BatchCondition[] = []) => {
    outstanding++;
    most = Math.max(most, outstanding);
    await new Promise<void>((r) => release.push(r));
    outstanding--;
    return store.transaction(ops, conditions);
  };
  const timers = manualTimers();
  const batcher = new WriteBatcher({
    transaction: slow,
    setTimer: timers.setTimer,
    maxOps: 4,
    maxInFlight: 2,
  });
  const writes = Array.from({ length: 10 }, (_, i) => batcher.submit(put(`k${i}`), 0));
  await timers.fire();
  assert.equal(outstanding, 2);
  while (release.length > 0 || batcher.pending > 0) {
    release.shift()?.();
    await timers.fire();
  }
  await Promise.all(writes);
  assert.equal(most, 2);
  assert.deepEqual(
    store.calls.map((c) => c.ops.length),
    [4, 4, 2],
  );
});

test('deletes go through the batch too, conditional or not', async () => {
  const store = new FakeStore();
  store.versions.set('heroes/a', 3);
  store.versions.set('heroes/b', 4);
  const timers = manualTimers();
  const batcher = new WriteBatcher({ transaction: store.transaction, setTimer: timers.setTimer });
  const a = batcher.submit({ op: 'delete', table: 'heroes', key: 'a' }, 3);
  const b = batcher.submit({ op: 'delete', table: 'heroes', key: 'b' });
  await timers.fire();
  assert.deepEqual(await Promise.all([a, b]), [0, 0]);
  assert.equal(store.versions.size, 0);
});

test('group commit: writes arriving while a batch commits leave together when it is done', async () => {
  const store = new FakeStore();
  const release: (() => void)[] = [];
  const slow = async (ops: readonly BatchOp[], conditions: readonly BatchCondition[] = []) => {
    await new Promise<void>((r) => release.push(r));
    return store.transaction(ops, conditions);
  };
  const timers = manualTimers();
  const batcher = new WriteBatcher({ transaction: slow, setTimer: timers.setTimer, maxInFlight: 1 });
  const first = batcher.submit(put('a'), 0);
  await timers.fire();
  const later = ['b', 'c', 'd'].map((k) => batcher.submit(put(k), 0));
  await timers.fire();
  assert.equal(release.length, 1, 'one batch in flight; the others wait for it');
  release.shift()?.();
  await first;
  await new Promise((r) => setImmediate(r)); // the finished batch's bookkeeping
  await timers.fire();
  assert.equal(release.length, 1, 'the queued writes left as one batch');
  release.shift()?.();
  await Promise.all(later);
  assert.deepEqual(
    store.calls.map((c) => c.ops.map((op) => op.key)),
    [['a'], ['b', 'c', 'd']],
  );
});

test('groupCommit over a real store: a batch commits atomically, a stale write alone is refused', async () => {
  const store = new MemoryStore({ transactions: true });
  const heroes = store.table<string>('heroes');
  const stale = await heroes.put('b', 'old');
  await heroes.put('b', 'newer');
  const commits = groupCommit(store);
  assert.ok(commits, 'a store with transactions gets group commit');
  const a = commits.submit(put('a'), 0);
  const b = commits.submit(put('b'), stale);
  const c = commits.submit(put('c'), 0);
  await assert.rejects(b, (e: unknown) => e instanceof StoreError && e.code === 'conflict');
  const [va, vc] = await Promise.all([a, c]);
  assert.equal((await heroes.get('a'))?.version, va);
  assert.equal((await heroes.get('c'))?.version, vc);
  assert.equal((await heroes.get('b'))?.value, 'newer', 'the refused write changed nothing');
});

test("groupCommit keeps batches within the store's maxTransactionOps", async () => {
  class CappedStore extends MemoryStore {
    readonly maxTransactionOps = 2;
  }
  const commits = groupCommit(new CappedStore({ transactions: true }));
  assert.ok(commits);
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => commits.submit(put(k), 0)));
  assert.deepEqual(commits.stats, { batches: 3, writes: 5 });
});

test('groupCommit: a store without transactions (as the CRDT store) gets none', () => {
  assert.equal(groupCommit(new MemoryStore()), undefined);
});
