// Crash recovery of the file storage, for both ways of writing the log (an O_DSYNC write on the
// event loop or on the thread pool): a torn or bit-flipped tail is dropped and the valid prefix
// kept; damage that is followed by valid data is refused rather than silently truncated.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Entry } from '../../packages/runtime/src/raft/core/types.ts';
import { FileLogStorage, type LogWrites } from '../../packages/runtime/src/raft/storage/file-log-storage.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'raft-crash-'));
  dirs.push(d);
  return d;
}

function batch(from: number, n: number, term = 1): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i < from + n; i++) {
    out.push({ index: i, term, type: 'normal', data: new TextEncoder().encode(`value-${i}`) });
  }
  return out;
}

async function lastSegment(dir: string): Promise<string> {
  const segs = (await readdir(dir)).filter((n) => n.startsWith('wal-')).sort();
  return join(dir, segs[segs.length - 1]!);
}

/**
 * Writes `batches` batches of 3 entries (plus a commit record when `withCommit`); returns where
 * the segment's records end after each save (its file is longer: preallocated zeros follow).
 */
async function writeBatches(
  dir: string,
  writes: LogWrites,
  batches: number,
  withCommit = false,
): Promise<number[]> {
  const s = await FileLogStorage.open(dir, { fsync: true, writes });
  const sizes: number[] = [];
  const seg = await lastSegment(dir);
  for (let b = 0; b < batches; b++) {
    const hardState = withCommit ? { term: 1, vote: 'a', commit: b * 3 } : undefined;
    await s.save({ entries: batch(1 + b * 3, 3), hardState });
    sizes.push(s.activeSegmentBytes());
    assert.ok((await stat(seg)).size >= sizes[b]!, 'the file holds the records');
  }
  await s.close();
  return sizes;
}

async function flipBit(path: string, offset: number, bit = 3): Promise<void> {
  const buf = await readFile(path);
  buf[offset] = buf[offset]! ^ (1 << bit);
  await writeFile(path, buf);
}

for (const writes of ['inline', 'threadpool'] as const) {
  describe(`FileLogStorage crash recovery (${writes} writes)`, () => {
    it('drops a record cut short by a crash and keeps every complete batch before it', async () => {
      const dir = await freshDir();
      const sizes = await writeBatches(dir, writes, 4);
      const seg = await lastSegment(dir);
      await truncate(seg, sizes[3]! - 5);
      const s = await FileLogStorage.open(dir, { fsync: true, writes });
      assert.equal(s.lastIndex(), 11, 'batch 4 lost its last entry, the rest survive');
      assert.equal(new TextDecoder().decode(s.entries(11, 12)[0]!.data), 'value-11');
      assert.equal((await stat(seg)).size < sizes[3]! - 5, true, 'the torn bytes were truncated away');
      await s.save({ entries: batch(12, 2, 2) });
      await s.close();
      const again = await FileLogStorage.open(dir, { fsync: true, writes });
      assert.equal(again.lastIndex(), 13);
      assert.equal(again.term(12), 2);
      await again.close();
    });

    it('rejects a bit-flipped last record and keeps the valid prefix', async () => {
      const dir = await freshDir();
      const sizes = await writeBatches(dir, writes, 3);
      await flipBit(await lastSegment(dir), sizes[2]! - 2);
      const s = await FileLogStorage.open(dir, { fsync: true, writes });
      assert.ok(s.lastIndex() >= 6 && s.lastIndex() < 9, `lastIndex ${s.lastIndex()}`);
      for (let i = 1; i <= s.lastIndex(); i++) {
        assert.equal(new TextDecoder().decode(s.entries(i, i + 1)[0]!.data), `value-${i}`);
      }
      await s.close();
    });

    it('refuses to open when a damaged record is followed by valid ones (mid-log corruption)', async () => {
      const dir = await freshDir();
      const sizes = await writeBatches(dir, writes, 3);
      // A byte inside the first batch's records, well before the tail.
      await flipBit(await lastSegment(dir), Math.floor(sizes[0]! / 2));
      await assert.rejects(FileLogStorage.open(dir, { fsync: true, writes }), { code: 'STORAGE_CORRUPT' });
    });

    it('refuses to open when an older segment is damaged', async () => {
      const dir = await freshDir();
      const s = await FileLogStorage.open(dir, { fsync: true, writes, segmentBytes: 256 });
      for (let i = 1; i <= 30; i += 3) await s.save({ entries: batch(i, 3) });
      await s.close();
      const segs = (await readdir(dir)).filter((n) => n.startsWith('wal-')).sort();
      assert.ok(segs.length >= 3);
      const first = join(dir, segs[0]!);
      await truncate(first, (await stat(first)).size - 3);
      await assert.rejects(FileLogStorage.open(dir, { fsync: true, writes }), { code: 'STORAGE_CORRUPT' });
    });

    it('ignores a temp file left by a crash during a hard state update', async () => {
      const dir = await freshDir();
      await writeBatches(dir, writes, 2, true);
      await writeFile(join(dir, 'hardstate.tmp'), 'half-written garbage');
      const s = await FileLogStorage.open(dir, { fsync: true, writes });
      assert.deepEqual(s.hardState(), { term: 1, vote: 'a', commit: 3 });
      assert.ok(!(await readdir(dir)).includes('hardstate.tmp'));
      await s.close();
    });

    it('reports a damaged hard state or snapshot file as STORAGE_CORRUPT, naming the file', async () => {
      const dir = await freshDir();
      const s = await FileLogStorage.open(dir, { fsync: true, writes });
      await s.save({ entries: batch(1, 3), hardState: { term: 2, vote: 'b', commit: 2 } });
      await s.save({
        snapshot: {
          index: 2,
          term: 1,
          config: { voters: ['a'], learners: [] },
          data: new Uint8Array([9, 9]),
        },
      });
      await s.close();
      const snapName = (await readdir(dir)).find((n) => n.startsWith('snap-'))!;
      const snapBytes = await readFile(join(dir, snapName));
      await flipBit(join(dir, snapName), snapBytes.length - 1);
      await assert.rejects(FileLogStorage.open(dir, { fsync: true, writes }), {
        code: 'STORAGE_CORRUPT',
        file: join(dir, snapName),
      });
      await writeFile(join(dir, snapName), snapBytes);
      await flipBit(join(dir, 'hardstate'), 10);
      await assert.rejects(FileLogStorage.open(dir, { fsync: true, writes }), {
        code: 'STORAGE_CORRUPT',
        file: join(dir, 'hardstate'),
      });
    });

    it('after a cut at any byte, recovers exactly the batches that ended before the cut', async () => {
      const dir = await freshDir();
      const sizes = await writeBatches(dir, writes, 5, true);
      const seg = await lastSegment(dir);
      const pristine = (await readFile(seg)).subarray(0, sizes[sizes.length - 1]);
      await fc.assert(
        // `zeros`: the preallocated space after the cut, as a crash leaves it (none: a file cut there).
        fc.asyncProperty(
          fc.integer({ min: 0, max: pristine.length }),
          fc.boolean(),
          fc.integer({ min: 0, max: 4096 }),
          async (cut, flip, zeros) => {
            const damaged = Buffer.concat([pristine.subarray(0, cut), Buffer.alloc(zeros)]);
            if (flip && cut > 0) damaged[cut - 1] = damaged[cut - 1]! ^ 0x10;
            await writeFile(seg, damaged);
            const s = await FileLogStorage.open(dir, { fsync: true, writes });
            try {
              const complete = sizes.filter((end) => end <= cut - (flip ? 1 : 0)).length;
              assert.ok(s.lastIndex() >= complete * 3, `cut ${cut}: lost an acknowledged batch`);
              assert.ok(s.lastIndex() <= Math.min(15, (complete + 1) * 3), `cut ${cut}: invented entries`);
              for (let i = 1; i <= s.lastIndex(); i++) {
                assert.equal(new TextDecoder().decode(s.entries(i, i + 1)[0]!.data), `value-${i}`);
              }
            } finally {
              await s.close();
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}
