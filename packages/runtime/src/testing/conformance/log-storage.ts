/**
 * The `LogStorage` conformance suite: registers node:test tests that any implementation must pass
 * (the in-memory twin and the file storage both run it). It checks the documented semantics of
 * `save` (snapshot rule, conflicting-suffix truncation, hard state), `compact`, range errors, call
 * ordering without awaiting, and — when the harness can reopen a storage — that everything saved is
 * recovered, including under a randomized model-based sequence of operations.
 *
 * Example:
 * ```ts
 * import { logStorageConformance } from '@superhero-dispatch/runtime/testing/conformance';
 * logStorageConformance('MemoryLogStorage', { create: async () => new MemoryLogStorage() });
 * ```
 *
 * When not to use: crash behaviour (torn writes, bit flips) is storage-specific; test it beside
 * the implementation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Entry, HardState, Snapshot } from '../../raft/core/types.ts';
import type { LogStorage } from '../../raft/storage/log-storage.ts';

export interface LogStorageHarness {
  /** A fresh, empty storage. */
  create(): Promise<LogStorage>;
  /** Closes `s` and opens the same data again; omit when nothing survives a close. */
  reopen?(s: LogStorage): Promise<LogStorage>;
  /** Runs after each test (remove files, etc.). */
  cleanup?(): Promise<void>;
  /** Runs of the randomized model test. Default 40. */
  propertyRuns?: number;
}

const CONF = { voters: ['a', 'b', 'c'], learners: [] };

function entry(index: number, term: number, text = `e${index}t${term}`): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(text) };
}

function range(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

function snap(index: number, term: number, text = 'state'): Snapshot {
  return { index, term, config: CONF, data: new TextEncoder().encode(text) };
}

function plain(e: Entry): { index: number; term: number; type: string; data: number[] } {
  return { index: e.index, term: e.term, type: e.type, data: [...e.data] };
}

function sameEntries(actual: readonly Entry[], expected: readonly Entry[]): void {
  assert.deepEqual(actual.map(plain), expected.map(plain));
}

/** A deliberately simple reference model of the documented semantics. */
class Model {
  base = 0;
  baseTerm = 0;
  entries = new Map<number, Entry>();
  snapshot: Snapshot | null = null;
  hs: HardState = { term: 0, vote: null, commit: 0 };

  last(): number {
    let m = this.base;
    for (const k of this.entries.keys()) m = Math.max(m, k);
    return m;
  }

  term(i: number): number | undefined {
    if (i === this.base) return this.baseTerm;
    const e = this.entries.get(i);
    if (e !== undefined) return e.term;
    return this.snapshot?.index === i ? this.snapshot.term : undefined;
  }

  saveSnapshot(s: Snapshot): void {
    if (this.snapshot !== null && s.index <= this.snapshot.index) return;
    if (this.term(s.index) !== s.term) {
      this.entries.clear();
      this.base = s.index;
      this.baseTerm = s.term;
    }
    this.snapshot = s;
  }

  append(es: readonly Entry[]): void {
    const first = es[0]!.index;
    for (const k of [...this.entries.keys()]) if (k >= first) this.entries.delete(k);
    for (const e of es) this.entries.set(e.index, e);
  }

  compact(i: number): void {
    if (i <= this.base) return;
    this.baseTerm = this.term(i)!;
    for (const k of [...this.entries.keys()]) if (k <= i) this.entries.delete(k);
    this.base = i;
  }
}

function checkAgainst(s: LogStorage, m: Model): void {
  assert.equal(s.firstIndex(), m.base + 1, 'firstIndex');
  assert.equal(s.lastIndex(), m.last(), 'lastIndex');
  assert.deepEqual(s.hardState(), m.hs, 'hardState');
  assert.equal(s.snapshot()?.index ?? null, m.snapshot?.index ?? null, 'snapshot index');
  for (let i = m.base; i <= m.last(); i++) assert.equal(s.term(i), m.term(i), `term(${i})`);
  sameEntries(
    s.entries(m.base + 1, m.last() + 1),
    [...m.entries.values()].sort((a, b) => a.index - b.index),
  );
}

export function logStorageConformance(name: string, harness: LogStorageHarness): void {
  const withStorage = (fn: (s: LogStorage) => Promise<void>) => async () => {
    const s = await harness.create();
    try {
      await fn(s);
    } finally {
      await s.close();
      await harness.cleanup?.();
    }
  };

  describe(`${name} conforms to LogStorage`, () => {
    it(
      'starts empty: no entries, zero hard state, no snapshot',
      withStorage(async (s) => {
        assert.equal(s.firstIndex(), 1);
        assert.equal(s.lastIndex(), 0);
        assert.equal(s.term(0), 0);
        assert.equal(s.term(1), undefined);
        assert.deepEqual(s.hardState(), { term: 0, vote: null, commit: 0 });
        assert.equal(s.snapshot(), null);
        assert.deepEqual(s.initialState().entries, []);
      }),
    );

    it(
      'returns appended entries and the saved hard state',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 5, 1), hardState: { term: 1, vote: 'a', commit: 3 } });
        assert.equal(s.lastIndex(), 5);
        assert.equal(s.term(4), 1);
        sameEntries(s.entries(2, 5), range(2, 4, 1));
        assert.deepEqual(s.hardState(), { term: 1, vote: 'a', commit: 3 });
        sameEntries(s.initialState().entries, range(1, 5, 1));
      }),
    );

    it(
      'an append inside the log discards the conflicting suffix first',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 6, 1) });
        await s.save({ entries: range(4, 5, 2) });
        assert.equal(s.lastIndex(), 5);
        sameEntries(s.entries(1, 6), [...range(1, 3, 1), ...range(4, 5, 2)]);
      }),
    );

    it(
      'rejects an append that would leave a hole, with code STORAGE_RANGE',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 2, 1) });
        await assert.rejects(s.save({ entries: range(5, 6, 1) }), { code: 'STORAGE_RANGE' });
      }),
    );

    it(
      'throws STORAGE_RANGE for reads outside the stored entries',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 3, 1) });
        assert.throws(() => s.entries(2, 9), { code: 'STORAGE_RANGE' });
        assert.throws(() => s.entries(0, 2), { code: 'STORAGE_RANGE' });
      }),
    );

    it(
      'applies saves in call order without waiting for earlier ones',
      withStorage(async (s) => {
        const p1 = s.save({ entries: range(1, 3, 1), hardState: { term: 1, vote: null, commit: 0 } });
        const p2 = s.save({ entries: range(3, 4, 2), hardState: { term: 2, vote: 'b', commit: 2 } });
        const p3 = s.save({ hardState: { term: 2, vote: 'b', commit: 4 } });
        assert.equal(s.lastIndex(), 4, 'reads reflect saves already called');
        await Promise.all([p1, p2, p3]);
        sameEntries(s.entries(1, 5), [...range(1, 2, 1), ...range(3, 4, 2)]);
        assert.deepEqual(s.hardState(), { term: 2, vote: 'b', commit: 4 });
      }),
    );

    it(
      'a snapshot that matches the log keeps the entries; compact then drops the prefix',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 10, 1) });
        await s.save({ snapshot: snap(6, 1) });
        assert.equal(s.lastIndex(), 10);
        assert.equal(s.firstIndex(), 1);
        await s.compact(4);
        assert.equal(s.firstIndex(), 5);
        assert.equal(s.term(4), 1);
        assert.equal(s.term(3), undefined);
        sameEntries(s.entries(5, 11), range(5, 10, 1));
        sameEntries(s.initialState().entries, range(7, 10, 1));
        assert.equal(s.initialState().snapshot?.index, 6);
      }),
    );

    it(
      'a snapshot that does not match discards every entry and the log continues after it',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 8, 1) });
        await s.save({ snapshot: snap(5, 3) });
        assert.equal(s.firstIndex(), 6);
        assert.equal(s.lastIndex(), 5);
        assert.equal(s.term(5), 3);
        await s.save({ entries: range(6, 7, 3) });
        sameEntries(s.entries(6, 8), range(6, 7, 3));
      }),
    );

    it(
      'ignores a snapshot older than the stored one',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 8, 1), snapshot: undefined });
        await s.save({ snapshot: snap(6, 1, 'new') });
        await s.save({ snapshot: snap(3, 1, 'old') });
        assert.equal(s.snapshot()?.index, 6);
        assert.equal(new TextDecoder().decode(s.snapshot()!.data), 'new');
      }),
    );

    it(
      'refuses to rewrite entries a snapshot covers',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 6, 1) });
        await s.save({ snapshot: snap(4, 1) });
        await assert.rejects(s.save({ entries: range(3, 5, 2) }), { code: 'STORAGE_RANGE' });
      }),
    );

    it(
      'refuses to compact past the snapshot',
      withStorage(async (s) => {
        await s.save({ entries: range(1, 8, 1), snapshot: snap(0, 0) });
        await assert.rejects(s.compact(3), { code: 'STORAGE_RANGE' });
        await s.save({ snapshot: snap(4, 1) });
        await s.compact(4);
        assert.equal(s.firstIndex(), 5);
      }),
    );

    it(
      'rejects every call after close',
      withStorage(async (s) => {
        await s.close();
        await assert.rejects(s.save({ entries: range(1, 1, 1) }), { code: 'STORAGE_CLOSED' });
      }),
    );

    const reopen = harness.reopen;
    if (reopen === undefined) return;

    it('recovers entries, hard state and snapshot after reopening', async () => {
      let s = await harness.create();
      try {
        await s.save({ entries: range(1, 12, 1), hardState: { term: 1, vote: 'a', commit: 9 } });
        await s.save({ entries: range(10, 14, 2), hardState: { term: 2, vote: 'c', commit: 11 } });
        await s.save({ snapshot: snap(8, 1, 'image') });
        await s.compact(5);
        s = await reopen(s);
        assert.deepEqual(s.hardState(), { term: 2, vote: 'c', commit: 11 });
        assert.equal(s.snapshot()?.index, 8);
        assert.equal(new TextDecoder().decode(s.snapshot()!.data), 'image');
        assert.deepEqual(s.snapshot()?.config, CONF);
        assert.equal(s.lastIndex(), 14);
        sameEntries(s.initialState().entries, [...range(9, 9, 1), ...range(10, 14, 2)]);
        await s.save({ entries: range(15, 15, 2) });
        s = await reopen(s);
        assert.equal(s.lastIndex(), 15);
      } finally {
        await s.close();
        await harness.cleanup?.();
      }
    });

    it('matches a reference model across random operations and reopens', async () => {
      const op = fc.oneof(
        fc.record({
          kind: fc.constant('append' as const),
          at: fc.nat(),
          n: fc.integer({ min: 1, max: 6 }),
          term: fc.integer({ min: 1, max: 9 }),
        }),
        fc.record({
          kind: fc.constant('hard' as const),
          term: fc.nat(9),
          vote: fc.constantFrom(null, 'a', 'b'),
          commit: fc.nat(40),
        }),
        fc.record({ kind: fc.constant('snapshot' as const), at: fc.nat(), matching: fc.boolean() }),
        fc.record({ kind: fc.constant('compact' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('reopen' as const) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
          let s = await harness.create();
          const m = new Model();
          try {
            for (const o of ops) {
              const first = m.base + 1;
              const last = m.last();
              switch (o.kind) {
                case 'append': {
                  const lowest = Math.max(first, (m.snapshot?.index ?? 0) + 1);
                  const at = lowest + (o.at % (last - lowest + 2));
                  const es = range(at, at + o.n - 1, o.term);
                  m.append(es);
                  await s.save({ entries: es });
                  break;
                }
                case 'hard':
                  m.hs = { term: o.term, vote: o.vote, commit: Math.min(o.commit, last) };
                  await s.save({ hardState: m.hs });
                  break;
                case 'snapshot': {
                  const lo = Math.max(m.snapshot?.index ?? 0, m.base) + 1;
                  if (o.matching && lo > last) break;
                  const at = o.matching ? lo + (o.at % (last - lo + 1)) : lo + (o.at % 8);
                  const sn = snap(at, o.matching ? m.term(at)! : 99, `s${at}`);
                  m.saveSnapshot(sn);
                  await s.save({ snapshot: sn });
                  break;
                }
                case 'compact': {
                  const limit = m.snapshot?.index ?? 0;
                  if (limit <= m.base) break;
                  const at = m.base + 1 + (o.at % (limit - m.base));
                  m.compact(at);
                  await s.compact(at);
                  break;
                }
                case 'reopen':
                  s = await reopen(s);
                  break;
              }
              checkAgainst(s, m);
            }
          } finally {
            await s.close();
            await harness.cleanup?.();
          }
        }),
        { numRuns: harness.propertyRuns ?? 40 },
      );
    });
  });
}
