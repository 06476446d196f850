// The storage contract of a durable CRDT replica, run against the in-memory twin and the files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import {
  FileCrdtStorage,
  MemoryCrdtDisk,
  MemoryCrdtStorage,
  type CrdtStorage,
} from '../../packages/runtime/src/crdt/driver/storage/index.ts';
import { storageConformance } from './conformance.ts';

const disks = new WeakMap<CrdtStorage<unknown>, MemoryCrdtDisk>();
storageConformance('MemoryCrdtStorage', {
  fresh: () => {
    const disk = new MemoryCrdtDisk();
    // Compaction thresholds differ by design (records here, bytes on file); both are exercised.
    const s = new MemoryCrdtStorage(disk, { compactRecords: 500 });
    disks.set(s, disk);
    return Promise.resolve(s);
  },
  reopen: async (s) => {
    await s.close();
    const disk = disks.get(s)!;
    const next = new MemoryCrdtStorage(disk, { compactRecords: 500 });
    disks.set(next, disk);
    return next;
  },
});

const root = mkdtempSync(join(tmpdir(), 'crdt-storage-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dirs = new WeakMap<CrdtStorage<unknown>, string>();
for (const fsync of ['always', 'interval', 'never'] as const) {
  storageConformance(`FileCrdtStorage (fsync ${fsync})`, {
    fresh: () => {
      const dir = join(root, `s${++n}`);
      const s = FileCrdtStorage.open(dir, { fsync, compactBytes: 64 * 1024 });
      dirs.set(s, dir);
      return Promise.resolve(s);
    },
    reopen: async (s) => {
      await s.close();
      const dir = dirs.get(s)!;
      const next = FileCrdtStorage.open(dir, { fsync, compactBytes: 64 * 1024 });
      dirs.set(next, dir);
      return next;
    },
  });
}
