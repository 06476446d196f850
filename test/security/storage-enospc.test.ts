// A full disk loses no acknowledged write and invents none: on a 1 MiB tmpfs, the disk store and
// the Raft log are written until the disk is full; every write that was acknowledged is there
// after a reopen, no write that failed is (nor was it ever visible or published), and once space
// is freed writing goes on where it stopped.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Entry } from '../../packages/runtime/src/raft/core/types.ts';
import { FileLogStorage } from '../../packages/runtime/src/raft/storage/file-log-storage.ts';
import { DiskStore } from '../../packages/runtime/src/store/disk-store.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import { withTmpfs } from './tmpfs.ts';

const VALUE = 'v'.repeat(3000);

describe('a full disk', () => {
  it('disk store: every acknowledged put survives, no failed put is visible, published or replayed', (t) =>
    withTmpfs(t, '1m', async (fs) => {
      const dir = join(fs.dir, 'data', 'store');
      let store = await DiskStore.open(dir, { onCompactionError: (err) => assert.fail(err) });
      const published: string[] = [];
      store.table<string>('t').subscribe((change) => published.push(change.key));
      const acknowledged: string[] = [];
      const failed: string[] = [];
      for (let i = 0; failed.length < 5 && i < 10_000; i++) {
        try {
          await store.table<string>('t').put(`k${i}`, `${i}:${VALUE}`);
          acknowledged.push(`k${i}`);
        } catch (err) {
          assert.ok(err instanceof StoreError && err.code === 'unavailable', String(err));
          assert.match(String((err.cause as NodeJS.ErrnoException).code), /ENOSPC/);
          failed.push(`k${i}`);
        }
      }
      assert.ok(acknowledged.length > 100 && failed.length === 5, `${acknowledged.length} acknowledged`);
      assert.deepEqual(published, acknowledged, 'published exactly the acknowledged puts');
      for (const key of failed) assert.equal(await store.table<string>('t').get(key), undefined, key);

      fs.resize('4m');
      const later = ['after1', 'after2', 'after3', 'after4', 'after5'];
      for (const key of later) await store.table<string>('t').put(key, VALUE);
      await store.close();

      store = await DiskStore.open(dir);
      const keys = (await store.table<string>('t').list()).map((v) => v.key);
      assert.deepEqual(keys.sort(), [...acknowledged, ...later].sort());
      for (const key of acknowledged) {
        assert.equal((await store.table<string>('t').get(key))?.value, `${key.slice(1)}:${VALUE}`);
      }
      await store.close();
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(join(fs.dir, 'data')).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, 'store.log')).mode & 0o777, 0o600);
    }));

  for (const writes of ['inline', 'threadpool'] as const) {
    it(`Raft log (${writes} writes): every acknowledged entry survives, the failed batch is cut off`, (t) =>
      withTmpfs(t, '1m', async (fs) => {
        const dir = join(fs.dir, 'raft');
        let log = await FileLogStorage.open(dir, { writes });
        let acknowledged = 0;
        let failure: unknown;
        while (failure === undefined) {
          try {
            await log.save({ entries: entries(acknowledged + 1, acknowledged + 4, 1) });
            acknowledged += 4;
          } catch (err) {
            failure = err;
          }
        }
        assert.match(String((failure as Error).cause), /ENOSPC/);
        await assert.rejects(log.save({ entries: entries(acknowledged + 1, acknowledged + 1, 1) }));
        await log.close();
        assert.ok(acknowledged > 100, `${acknowledged} entries acknowledged`);

        fs.resize('4m');
        log = await FileLogStorage.open(dir, { writes });
        assert.equal(log.lastIndex(), acknowledged, 'the failed batch is not in the log');
        checkEntries(log, 1, acknowledged);
        await log.save({ entries: entries(acknowledged + 1, acknowledged + 8, 1) });
        await log.close();
        log = await FileLogStorage.open(dir, { writes });
        assert.equal(log.lastIndex(), acknowledged + 8);
        checkEntries(log, 1, acknowledged + 8);
        await log.close();
        for (const name of log.segmentNames()) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600);
        assert.equal(statSync(dir).mode & 0o777, 0o700);
      }));
  }
});

function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++)
    out.push({ index: i, term, type: 'normal', data: new Uint8Array(2000).fill(i % 251) });
  return out;
}

function checkEntries(log: FileLogStorage, from: number, to: number): void {
  const stored = log.entries(from, to + 1);
  assert.equal(stored.length, to - from + 1);
  for (const entry of stored) {
    assert.ok(
      entry.data.length === 2000 && entry.data.every((b) => b === entry.index % 251),
      `entry ${entry.index}`,
    );
  }
}
