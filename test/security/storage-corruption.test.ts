// Damage anywhere but a torn tail stops a store from opening, naming the file and the byte offset
// (etcd's rule), instead of truncating acknowledged data away: in the disk store's log and in a
// Raft log segment, whether the damage hits a record's body or its length field. A torn tail (the
// last record cut short) is still repaired.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileLogStorage } from '../../packages/runtime/src/raft/storage/file-log-storage.ts';
import { StorageCorruptError } from '../../packages/runtime/src/raft/storage/log-storage.ts';
import { DiskStore, StoreCorruptError } from '../../packages/runtime/src/store/disk-store.ts';

/** Damages the record at `at` of a log whose length fields are little-endian (Raft) or not. */
type Damage = (file: Buffer, at: number, littleEndian: boolean) => void;

const DAMAGES: Array<[string, Damage]> = [
  ['a flipped bit in the body', (file, at) => void (file[at + 12]! ^= 0x10)],
  [
    'a length field pointing past the end',
    (file, at, le) => void (le ? file.writeUInt32LE(0x00ffffff, at) : file.writeUInt32BE(0x00ffffff, at)),
  ],
  ['a length field a little short', (file, at, le) => void (file[le ? at : at + 3]! -= 1)],
  ['a zeroed record', (file, at) => void file.fill(0, at, at + 20)],
];

/**
 * Start offsets of the records of a log file: `u32 length (BE or LE) | u32 CRC | body`, up to the
 * end of the file or a zero length (a Raft segment's preallocated space).
 */
function recordOffsets(file: Buffer, littleEndian: boolean): number[] {
  const out: number[] = [];
  for (let at = 0; at + 8 <= file.length;) {
    const length = littleEndian ? file.readUInt32LE(at) : file.readUInt32BE(at);
    if (length === 0) break;
    out.push(at);
    at += 8 + length;
  }
  return out;
}

function withDir(body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corrupt-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe('disk store log damaged in the middle', () => {
  for (const [what, damage] of DAMAGES) {
    it(
      `refuses to open with file and offset: ${what}`,
      withDir(async (dir) => {
        const store = await DiskStore.open(dir);
        for (let i = 0; i < 5; i++) await store.table<string>('t').put(`k${i}`, `value ${i}`);
        await store.close();
        const path = join(dir, 'store.log');
        const file = readFileSync(path);
        const at = recordOffsets(file, false)[2]!;
        damage(file, at, false);
        writeFileSync(path, file);
        await assert.rejects(DiskStore.open(dir), (err: unknown) => {
          assert.ok(err instanceof StoreCorruptError, String(err));
          assert.equal(err.code, 'store_corrupt');
          assert.equal(err.file, path);
          assert.equal(err.offset, at);
          assert.match(err.message, new RegExp(`${path}.*byte ${at}`));
          return true;
        });
        assert.deepEqual(readFileSync(path), file, 'the damaged file was left as it was');
      }),
    );
  }

  it(
    'repairs a torn tail: the last record cut short is dropped, the rest kept',
    withDir(async (dir) => {
      const store = await DiskStore.open(dir);
      for (let i = 0; i < 5; i++) await store.table<string>('t').put(`k${i}`, `value ${i}`);
      await store.close();
      const path = join(dir, 'store.log');
      truncateSync(path, readFileSync(path).length - 4);
      const again = await DiskStore.open(dir);
      assert.deepEqual(
        (await again.table<string>('t').list()).map((v) => v.key),
        ['k0', 'k1', 'k2', 'k3'],
      );
      await again.close();
    }),
  );
});

describe('Raft log segment damaged in the middle', () => {
  for (const [what, damage] of DAMAGES) {
    it(
      `refuses to open with file and offset: ${what}`,
      withDir(async (dir) => {
        const log = await FileLogStorage.open(dir, { fsync: false });
        for (let i = 1; i <= 10; i++) {
          await log.save({
            entries: [{ index: i, term: 1, type: 'normal', data: new Uint8Array(40).fill(i) }],
          });
        }
        const [segment] = log.segmentNames();
        await log.close();
        const path = join(dir, segment!);
        const file = readFileSync(path);
        // Record 0 is the segment start; damage entry 5.
        const at = recordOffsets(file, true)[5]!;
        damage(file, at, true);
        writeFileSync(path, file);
        await assert.rejects(FileLogStorage.open(dir, { fsync: false }), (err: unknown) => {
          assert.ok(err instanceof StorageCorruptError, String(err));
          assert.equal(err.code, 'STORAGE_CORRUPT');
          assert.equal(err.file, path);
          assert.equal(err.offset, at);
          assert.match(err.message, new RegExp(`${path}.*byte ${at}`));
          return true;
        });
        assert.deepEqual(readFileSync(path), file, 'the damaged segment was left as it was');
      }),
    );
  }
});
