// Where each member writes its log: with the default `logWrites` ('leader-inline') the leader's
// batches ask for an inline write and the followers' for the thread pool; with 'inline' or
// 'threadpool' no batch asks, and the storage's own mode decides. Watched at the storage's `save`
// in a three-member cluster on real loopback TCP and real files.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FileLogStorage } from '../../packages/runtime/src/raft/storage/file-log-storage.ts';
import type { StorageBatch } from '../../packages/runtime/src/raft/storage/log-storage.ts';
import { startStoreCluster, waitFor, type StoreExtras, type TestCluster } from './helpers.ts';

interface Saved {
  readonly dir: string;
  readonly inline: boolean | undefined;
}

/** Records every batch with entries that any `FileLogStorage` saves, with its directory. */
function watchSaves(): { saved: Saved[]; restore(): void } {
  const proto = FileLogStorage.prototype as unknown as {
    save(this: { dir: string }, batch: StorageBatch): Promise<void>;
  };
  const original = proto.save;
  const saved: Saved[] = [];
  proto.save = function (batch) {
    if ((batch.entries?.length ?? 0) > 0) saved.push({ dir: this.dir, inline: batch.inline });
    return original.call(this, batch);
  };
  return { saved, restore: () => (proto.save = original) };
}

const clusters: TestCluster[] = [];
after(async () => {
  for (const c of clusters) await c.close();
});

/** Starts a cluster, writes 20 puts through its leader, and returns each member's batches. */
async function batchesByRole(extras: StoreExtras): Promise<{ leader: Saved[]; followers: Saved[] }> {
  const c = await startStoreCluster(['lw-a', 'lw-b', 'lw-c'], { extras });
  clusters.push(c);
  await waitFor(() => c.members.some((m) => m.store.writable()), 20_000, 'a writable leader');
  const leader = c.leader();
  const spy = watchSaves();
  try {
    for (let i = 0; i < 20; i++) await leader.store.table('t').put(`k${i}`, i);
    // Both followers have written the last put once it is applied everywhere.
    const last = leader.store.appliedIndex;
    await waitFor(() => c.members.every((m) => m.store.appliedIndex >= last), 10_000, 'applied everywhere');
  } finally {
    spy.restore();
  }
  assert.equal(c.leader(), leader, 'the leader did not change during the writes');
  const under = (m: { dataDir: string | undefined }): ((s: Saved) => boolean) => {
    return (s) => m.dataDir !== undefined && s.dir.startsWith(m.dataDir);
  };
  const followers = c.members.filter((m) => m !== leader);
  return {
    leader: spy.saved.filter(under(leader)),
    followers: spy.saved.filter((s) => followers.some((f) => under(f)(s))),
  };
}

describe('raft log writes by role', () => {
  it('by default the leader asks for inline writes and the followers for the thread pool', async () => {
    const { leader, followers } = await batchesByRole({});
    assert.ok(leader.length > 0 && followers.length > 0, 'every member wrote batches');
    assert.deepEqual(new Set(leader.map((s) => s.inline)), new Set([true]));
    assert.deepEqual(new Set(followers.map((s) => s.inline)), new Set([false]));
  });

  for (const logWrites of ['inline', 'threadpool'] as const) {
    it(`with logWrites '${logWrites}' no batch asks: the storage's mode decides`, async () => {
      const { leader, followers } = await batchesByRole({ logWrites });
      assert.ok(leader.length > 0 && followers.length > 0, 'every member wrote batches');
      assert.deepEqual(new Set([...leader, ...followers].map((s) => s.inline)), new Set([undefined]));
    });
  }
});
