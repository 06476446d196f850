// What only the files can go through: a torn last write is cut back, damage anywhere else stops
// the start with the file and offset, an interrupted compaction resolves to one generation, and
// the fsync policy decides how many fsyncs an append costs.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  CrdtStorageCorruptError,
  FileCrdtStorage,
} from '../../packages/runtime/src/crdt/driver/storage/index.ts';
import { put } from './conformance.ts';

const root = mkdtempSync(join(tmpdir(), 'crdt-files-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(root, `d${++n}`);
const onlyLog = (dir: string): string =>
  join(
    dir,
    readdirSync(dir).find((f) => f.startsWith('log-'))!,
  );

async function writeRecords(dir: string, count: number): Promise<void> {
  const s = FileCrdtStorage.open(dir, { fsync: 'never' });
  for (let i = 1; i <= count; i++) s.append(put(i, `heroes/h${i}`, { i }));
  await s.close();
}

test('a torn last record (a write cut short) is cut off, and appending goes on after the last whole one', async () => {
  for (const cut of [1, 5, 9, 20]) {
    const dir = freshDir();
    await writeRecords(dir, 5);
    const log = onlyLog(dir);
    const full = readFileSync(log);
    writeFileSync(log, full.subarray(0, full.length - cut));
    let s = FileCrdtStorage.open(dir, { fsync: 'never' });
    assert.equal(s.image.records.length, 4, `cut ${cut}`);
    s.append(put(6, 'heroes/h6', { i: 6 }));
    await s.close();
    s = FileCrdtStorage.open(dir, { fsync: 'never' });
    assert.deepEqual(
      s.image.records.map((r) => (r.type === 'delta' ? r.delta.key : r.type)),
      ['heroes/h1', 'heroes/h2', 'heroes/h3', 'heroes/h4', 'heroes/h6'],
    );
    await s.close();
  }
});

test('a last record that fails its checksum with nothing after it is a torn write too', async () => {
  const dir = freshDir();
  await writeRecords(dir, 3);
  const log = onlyLog(dir);
  const buf = readFileSync(log);
  buf[buf.length - 2] = buf[buf.length - 2]! ^ 0xff;
  writeFileSync(log, buf);
  const s = FileCrdtStorage.open(dir, { fsync: 'never' });
  assert.equal(s.image.records.length, 2);
  await s.close();
});

test('damage in the middle of the log stops the start with the file and the offset', async () => {
  const dir = freshDir();
  await writeRecords(dir, 5);
  const log = onlyLog(dir);
  const buf = readFileSync(log);
  const firstLen = buf.readUInt32LE(0);
  const second = 8 + firstLen;
  buf[second + 10] = buf[second + 10]! ^ 0x01; // inside the second record's payload
  writeFileSync(log, buf);
  assert.throws(
    () => FileCrdtStorage.open(dir, { fsync: 'never' }),
    (err: unknown) =>
      err instanceof CrdtStorageCorruptError &&
      err.code === 'CRDT_STORAGE_CORRUPT' &&
      err.file === log &&
      err.offset === second,
  );
  assert.equal(statSync(log).size, buf.length, 'nothing was cut');
});

test('a frame whose checksum holds but whose content is not a record is damage, not a torn write', async () => {
  const dir = freshDir();
  await writeRecords(dir, 2);
  const log = onlyLog(dir);
  const payload = Buffer.from([0x92, 0x63, 0x01]); // MessagePack [99, 1]: an unknown tag
  const head = Buffer.alloc(8);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  const offset = statSync(log).size;
  appendFileSync(log, Buffer.concat([head, payload]));
  assert.throws(
    () => FileCrdtStorage.open(dir, { fsync: 'never' }),
    (err: unknown) => err instanceof CrdtStorageCorruptError && err.offset === offset,
  );
});

test('a damaged state file stops the start', async () => {
  const dir = freshDir();
  const s = FileCrdtStorage.open(dir, { fsync: 'never' });
  s.append(put(1, 'heroes/h1', 1));
  s.compact({
    map: { entries: [], ctx: { vv: [['a#1', 1]], cloud: [] } },
    applied: { vv: [['a#1', 1]], cloud: [] },
    retired: [],
    bootstrapped: true,
  });
  await s.close();
  const state = join(
    dir,
    readdirSync(dir).find((f) => f.startsWith('state-'))!,
  );
  const buf = readFileSync(state);
  buf[buf.length - 1] = buf[buf.length - 1]! ^ 0x10;
  writeFileSync(state, buf);
  assert.throws(
    () => FileCrdtStorage.open(dir, { fsync: 'never' }),
    (err: unknown) => err instanceof CrdtStorageCorruptError && err.file === state,
  );
});

test('leftovers of an interrupted compaction: the newest state wins, older logs and temp files go', async () => {
  const dir = freshDir();
  await writeRecords(dir, 3);
  const older = onlyLog(dir);
  // A compaction that wrote its state and died before starting the new log or deleting the old one.
  const s = FileCrdtStorage.open(join(root, 'scratch'), { fsync: 'never' });
  s.compact({
    map: { entries: [], ctx: { vv: [['a#1', 9]], cloud: [] } },
    applied: { vv: [['a#1', 9]], cloud: [] },
    retired: [],
    bootstrapped: true,
  });
  await s.close();
  const stateFile = readdirSync(join(root, 'scratch')).find((f) => f.startsWith('state-'))!;
  writeFileSync(join(dir, stateFile), readFileSync(join(root, 'scratch', stateFile)));
  writeFileSync(join(dir, `${stateFile}.tmp`), 'half a state');
  const r = FileCrdtStorage.open(dir, { fsync: 'never' });
  assert.deepEqual(r.image.state?.applied, { vv: [['a#1', 9]], cloud: [] });
  assert.deepEqual(r.image.records, [], 'the older log is covered by the state');
  const files = readdirSync(dir).sort();
  assert.ok(!files.includes(older.slice(dir.length + 1)), 'the older log was removed');
  assert.ok(!files.some((f) => f.endsWith('.tmp')), 'the temp file was removed');
  await r.close();
});

test('fsync policy: always syncs every committed step, interval at most once per period, never not at all', async () => {
  const counts: Record<string, number> = {};
  for (const fsync of ['always', 'interval', 'never'] as const) {
    const s = FileCrdtStorage.open(freshDir(), { fsync, fsyncIntervalMs: 60_000 });
    const base = s.stats().fsyncs;
    for (let i = 1; i <= 20; i++) {
      s.append(put(i, `heroes/h${i}`, i));
      s.commit();
    }
    counts[fsync] = s.stats().fsyncs - base;
    await s.close();
  }
  assert.equal(counts['always'], 20);
  assert.equal(counts['interval'], 0, 'the period has not passed yet');
  assert.equal(counts['never'], 0);
});

test('interval fsync runs once the period passes', async () => {
  const s = FileCrdtStorage.open(freshDir(), { fsync: 'interval', fsyncIntervalMs: 10 });
  const base = s.stats().fsyncs;
  s.append(put(1, 'heroes/h1', 1));
  s.commit();
  const deadline = Date.now() + 30_000;
  while (s.stats().fsyncs === base && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(s.stats().fsyncs, base + 1);
  await s.close();
});

test('the replica directory and its files are private to the owner (0700 and 0600)', async () => {
  const dir = freshDir();
  const s = FileCrdtStorage.open(dir, { fsync: 'interval' });
  s.append(put(1, 'heroes/h1', { i: 1 }));
  await s.close();
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const f of readdirSync(dir)) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
});
