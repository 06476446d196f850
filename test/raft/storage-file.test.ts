// The file storage passes the shared LogStorage conformance suite (with real fsync) in both write
// modes (an O_DSYNC write on the event loop or on the thread pool) and with each batch choosing its
// own, its segments roll over and are deleted by compaction, and each mode writes once per group
// of batches.
import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Entry } from '../../packages/runtime/src/raft/core/types.ts';
import { FileLogStorage, type LogWrites } from '../../packages/runtime/src/raft/storage/file-log-storage.ts';
import type { StorageBatch } from '../../packages/runtime/src/raft/storage/log-storage.ts';
import { logStorageConformance } from '../../packages/runtime/src/testing/conformance/log-storage.ts';

const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'raft-log-'));
  dirs.push(d);
  return d;
}

async function cleanup(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

const opened = new Map<FileLogStorage, string>();

async function openIn(dir: string, writes: LogWrites): Promise<FileLogStorage> {
  const s = await FileLogStorage.open(dir, { fsync: true, writes, segmentBytes: 512 });
  opened.set(s, dir);
  return s;
}

for (const writes of ['inline', 'threadpool'] as const) {
  logStorageConformance(`FileLogStorage (${writes} writes)`, {
    create: async () => openIn(await freshDir(), writes),
    reopen: async (s) => {
      const dir = opened.get(s as FileLogStorage)!;
      await s.close();
      return openIn(dir, writes);
    },
    cleanup,
    propertyRuns: 60,
  });
}

/**
 * The storage as a member that leads and follows in turn uses it (`logWrites: 'leader-inline'`):
 * each batch chooses where it is written, inline and on the thread pool alternately.
 */
async function openHinted(dir: string, writes: LogWrites): Promise<FileLogStorage> {
  const s = await openIn(dir, writes);
  const save = s.save.bind(s);
  let n = 0;
  s.save = (batch: StorageBatch) => save({ ...batch, inline: n++ % 2 === 0 });
  return s;
}

for (const writes of ['inline', 'threadpool'] as const) {
  logStorageConformance(`FileLogStorage (${writes} writes, each batch choosing in turn)`, {
    create: async () => openHinted(await freshDir(), writes),
    reopen: async (s) => {
      const dir = opened.get(s as FileLogStorage)!;
      await s.close();
      return openHinted(dir, writes);
    },
    cleanup,
    propertyRuns: 30,
  });
}

function entries(from: number, to: number, term: number, size = 100): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++)
    out.push({ index: i, term, type: 'normal', data: new Uint8Array(size).fill(i % 251) });
  return out;
}

describe('FileLogStorage segments', () => {
  it('rolls over to a new segment when the active one is full, and replays across segments', async () => {
    const dir = await freshDir();
    let s = await FileLogStorage.open(dir, { segmentBytes: 2048, fsync: false });
    for (let i = 1; i <= 100; i += 10) await s.save({ entries: entries(i, i + 9, 1) });
    assert.ok(s.segmentNames().length >= 4, `segments: ${s.segmentNames().join(',')}`);
    await s.close();
    s = await FileLogStorage.open(dir, { segmentBytes: 2048, fsync: false });
    assert.equal(s.lastIndex(), 100);
    assert.deepEqual([...s.entries(57, 58)[0]!.data.slice(0, 2)], [57, 57]);
    await s.close();
    await cleanup();
  });

  it('preallocates the active segment: zeros after the records are no damage, the next record follows the last, a finished segment is cut to its records', async () => {
    for (const writes of ['inline', 'threadpool'] as const) {
      const dir = await freshDir();
      const options = { segmentBytes: 64 * 1024, fsync: true, writes };
      let s = await FileLogStorage.open(dir, options);
      // Commit index 256 ends its record with zero bytes (u48 little-endian): still a record.
      await s.save({ entries: entries(1, 5, 1), hardState: { term: 1, vote: 'a', commit: 256 } });
      const first = join(dir, s.segmentNames()[0]!);
      const written = s.activeSegmentBytes();
      assert.ok((await stat(first)).size > written, 'the file is longer than its records');
      await s.close();
      s = await FileLogStorage.open(dir, options);
      assert.equal(s.lastIndex(), 5);
      assert.equal(s.hardState().commit, 256, 'the record ending in zeros was read');
      assert.equal(s.activeSegmentBytes(), written, 'the zeros were not taken for records');
      await s.save({ entries: entries(6, 6, 1) });
      await s.close();
      s = await FileLogStorage.open(dir, options);
      assert.equal(s.lastIndex(), 6, 'the record after the reopen follows the others');
      for (let i = 7; s.segmentNames().length < 2; i++) await s.save({ entries: entries(i, i, 1, 1000) });
      const finished = await readFile(first);
      assert.notEqual(finished[finished.length - 1], 0, 'the finished segment ends on its last record');
      const last = s.lastIndex();
      await s.close();
      s = await FileLogStorage.open(dir, options);
      assert.equal(s.lastIndex(), last);
      await s.close();
    }
    await cleanup();
  });

  it('deletes segments wholly below a compaction and still recovers the rest', async () => {
    const dir = await freshDir();
    let s = await FileLogStorage.open(dir, { segmentBytes: 2048, fsync: false });
    for (let i = 1; i <= 100; i += 10) await s.save({ entries: entries(i, i + 9, 1) });
    const before = s.segmentNames().length;
    await s.save({
      snapshot: { index: 80, term: 1, config: { voters: ['a'], learners: [] }, data: new Uint8Array([1]) },
    });
    await s.compact(80);
    const after = s.segmentNames().length;
    assert.ok(after < before, `expected fewer segments than ${before}, got ${after}`);
    const onDisk = (await readdir(dir)).filter((n) => n.startsWith('wal-'));
    assert.deepEqual(onDisk.sort(), s.segmentNames());
    await s.close();
    s = await FileLogStorage.open(dir, { segmentBytes: 2048, fsync: false });
    assert.equal(s.firstIndex(), 81);
    assert.equal(s.lastIndex(), 100);
    assert.equal(s.term(80), 1);
    assert.equal(s.initialState().entries.length, 20);
    await s.close();
    await cleanup();
  });

  it('keeps only the newest snapshot file', async () => {
    const dir = await freshDir();
    const s = await FileLogStorage.open(dir, { fsync: false });
    await s.save({ entries: entries(1, 10, 1) });
    for (const i of [3, 6, 9]) {
      await s.save({
        snapshot: { index: i, term: 1, config: { voters: ['a'], learners: [] }, data: new Uint8Array([i]) },
      });
    }
    const snaps = (await readdir(dir)).filter((n) => n.startsWith('snap-'));
    assert.deepEqual(snaps, ['snap-0000000000000009.snap']);
    await s.close();
    await cleanup();
  });
});

/** Counts calls of a `FileHandle` method from now until `restore()` (every file handle shares them). */
async function countCalls(
  dir: string,
  method: 'datasync' | 'write',
): Promise<{ count: number; restore(): void }> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as Record<typeof method, (...a: unknown[]) => Promise<unknown>>;
  await probe.close();
  const original = proto[method];
  const spy = {
    count: 0,
    restore: () => {
      proto[method] = original;
    },
  };
  proto[method] = function (this: unknown, ...args: unknown[]) {
    spy.count++;
    return original.apply(this, args);
  };
  return spy;
}

const countDatasyncs = (dir: string): ReturnType<typeof countCalls> => countCalls(dir, 'datasync');

/** The bytes of the storage's active (last) segment file in `dir`. */
async function activeSegment(s: FileLogStorage, dir: string): Promise<Buffer> {
  const names = s.segmentNames();
  return readFile(join(dir, names[names.length - 1]!));
}

describe('FileLogStorage group commit', () => {
  it('threadpool writes: one O_DSYNC write per batch, and one for all batches queued behind a write in flight', async () => {
    const dir = await freshDir();
    const s = await FileLogStorage.open(dir, { fsync: true, writes: 'threadpool' });
    const writes = await countCalls(dir, 'write');
    const syncs = await countDatasyncs(dir);
    try {
      await s.save({ entries: entries(1, 3, 1) });
      assert.equal(writes.count, 1, 'one batch, one write');
      writes.count = 0;
      const saves: Promise<void>[] = [];
      for (let i = 4; i <= 40; i++)
        saves.push(s.save({ entries: entries(i, i, 1), hardState: { term: 1, vote: null, commit: i - 1 } }));
      await Promise.all(saves);
      assert.ok(writes.count <= 2, `37 batches issued together took ${writes.count} writes`);
      assert.equal(syncs.count, 0, 'O_DSYNC writes need no fdatasync');
      assert.equal(s.lastIndex(), 40);
    } finally {
      writes.restore();
      syncs.restore();
      await s.close();
      await cleanup();
    }
  });

  it("a batch's own choice: inline on a thread-pool storage, on the thread pool on an inline one", async () => {
    const dir = await freshDir();
    const pooled = await FileLogStorage.open(dir, { fsync: true, writes: 'threadpool' });
    const writes = await countCalls(dir, 'write');
    try {
      const saved = pooled.save({ entries: entries(1, 1, 1), inline: true });
      assert.ok(
        (await activeSegment(pooled, dir)).includes(Buffer.alloc(100, 1)),
        'written before save returned',
      );
      await saved;
      assert.equal(writes.count, 0, 'not through the thread pool');
      await pooled.save({ entries: entries(2, 2, 1) });
      assert.equal(writes.count, 1, 'without a hint, the storage mode: the thread pool');
      await pooled.close();

      writes.count = 0;
      const inline = await FileLogStorage.open(dir, { fsync: true, writes: 'inline' });
      await inline.save({ entries: entries(3, 3, 1), inline: false });
      assert.equal(writes.count, 1, 'through the thread pool');
      // Behind a job in the queue, batches are written together: on the thread pool when one of
      // them asked for it, and in call order either way.
      writes.count = 0;
      const saves = [
        inline.save({ entries: entries(4, 4, 2), hardState: { term: 2, vote: 'a', commit: 3 } }),
        inline.save({ entries: entries(5, 5, 2), inline: true }),
        inline.save({ entries: entries(6, 6, 2), inline: false }),
      ];
      await Promise.all(saves);
      assert.equal(writes.count, 2, 'the hard state file, then one write for the two batches behind it');
      await inline.close();
      const again = await FileLogStorage.open(dir, { fsync: true });
      assert.equal(again.lastIndex(), 6);
      assert.deepEqual(
        again.entries(1, 7).map((e) => [e.index, e.term, e.data[0]]),
        [1, 2, 3, 4, 5, 6].map((i) => [i, i < 4 ? 1 : 2, i]),
      );
      assert.deepEqual(again.hardState(), { term: 2, vote: 'a', commit: 3 });
      await again.close();
    } finally {
      writes.restore();
      await cleanup();
    }
  });

  it('inline writes: a batch is on disk when save returns, with no fdatasync; queued work keeps its order', async () => {
    const dir = await freshDir();
    const s = await FileLogStorage.open(dir, { fsync: true, writes: 'inline', segmentBytes: 4096 });
    const syncs = await countDatasyncs(dir);
    const third = Buffer.alloc(100, 3);
    try {
      assert.ok(!(await activeSegment(s, dir)).includes(third));
      const saved = s.save({ entries: entries(1, 3, 1) });
      // Not awaited yet: the bytes are already in the file.
      assert.ok((await activeSegment(s, dir)).includes(third), 'the batch was written before save returned');
      await saved;
      assert.equal(syncs.count, 0, 'O_DSYNC writes need no fdatasync');
      // A term change goes through the queue (its hard state file is written asynchronously), so
      // the saves behind it queue too instead of writing inline ahead of it; so do saves behind a
      // segment rollover. Everything lands in call order.
      const saves: Promise<void>[] = [
        s.save({ entries: entries(4, 4, 2), hardState: { term: 2, vote: 'a', commit: 3 } }),
      ];
      for (let i = 5; i <= 60; i++) saves.push(s.save({ entries: entries(i, i, 2) }));
      await Promise.all(saves);
      assert.ok(s.segmentNames().length > 1, 'rolled over');
      await s.close();
      const again = await FileLogStorage.open(dir, { fsync: true, writes: 'inline', segmentBytes: 4096 });
      assert.equal(again.lastIndex(), 60);
      assert.equal(again.term(4), 2);
      assert.deepEqual(again.hardState(), { term: 2, vote: 'a', commit: 3 });
      assert.deepEqual([...again.entries(37, 38)[0]!.data.slice(0, 2)], [37, 37]);
      await again.close();
    } finally {
      syncs.restore();
      await cleanup();
    }
  });
});
