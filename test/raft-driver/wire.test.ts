// The mesh edge of the driver: Raft messages survive the wire codec, and anything malformed or
// spoofed is dropped; snapshots of any size reassemble exactly from chunks, and a receiver ignores
// chunks of a transfer it did not see start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Message, SnapshotMessage } from '../../packages/runtime/src/raft/core/types.ts';
import { decodeClientPayload } from '../../packages/runtime/src/raft/driver/client-wire.ts';
import {
  SnapshotReceiver,
  SnapshotSender,
} from '../../packages/runtime/src/raft/driver/snapshot-transfer.ts';
import {
  decodeRaftPayload,
  encodeRaftMessage,
  type SnapshotChunk,
} from '../../packages/runtime/src/raft/driver/wire.ts';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';

const A = 'a@127.0.0.1:1';
const B = 'b@127.0.0.1:2';

function viaWire(m: Message): unknown {
  return decodePayload(encodePayload(encodeRaftMessage(m)));
}

test('every core message type round-trips through the mesh codec', () => {
  const base = { from: A, to: B, term: 3 };
  const data = new Uint8Array([1, 2, 3]);
  const messages: Message[] = [
    {
      type: 'app',
      ...base,
      prevIndex: 4,
      prevTerm: 2,
      commit: 4,
      entries: [
        { index: 5, term: 3, type: 'normal', data },
        { index: 6, term: 3, type: 'config', data },
      ],
    },
    { type: 'app', ...base, prevIndex: 4, prevTerm: 2, commit: 4, entries: [] },
    { type: 'app-resp', ...base, index: 6, reject: false, hintIndex: 0, hintTerm: 0 },
    { type: 'heartbeat', ...base, commit: 6, readSeq: 2 },
    { type: 'heartbeat-resp', ...base, readSeq: 2 },
    { type: 'pre-vote', ...base, lastIndex: 6, lastTerm: 3, force: false },
    { type: 'vote-resp', ...base, reject: true },
    { type: 'timeout-now', ...base },
    { type: 'transfer-leader', ...base, term: 0, transferee: B },
    { type: 'read-index', ...base, term: 0, ctx: 'r.1' },
    { type: 'read-index-resp', ...base, ctx: 'r.1', index: 6 },
  ];
  for (const m of messages) assert.deepEqual(decodeRaftPayload(A, B, viaWire(m)), m, m.type);
});

test('a message that names another sender or another recipient is dropped', () => {
  const m: Message = { type: 'heartbeat-resp', from: A, to: B, term: 1, readSeq: 0 };
  assert.match(decodeRaftPayload('c@127.0.0.1:3', B, viaWire(m)) as string, /claims to be from/);
  assert.match(decodeRaftPayload(A, 'c@127.0.0.1:3', viaWire(m)) as string, /arrived at/);
});

test('malformed payloads are reasons, never exceptions', () => {
  fc.assert(
    fc.property(fc.anything(), (junk) => {
      const r = decodeRaftPayload(A, B, junk);
      assert.equal(typeof r, 'string');
    }),
  );
  const holes = { type: 'app', from: A, to: B, term: 1, prevIndex: 0, prevTerm: 0, commit: 0 };
  const gap = [
    [1, 1, new Uint8Array(0), 0],
    [3, 1, new Uint8Array(0), 0],
  ];
  assert.match(decodeRaftPayload(A, B, { ...holes, entries: gap }) as string, /contiguous/);
  assert.match(decodeRaftPayload(A, B, { ...holes, entries: [[1, 1, 'x', 0]] }) as string, /bytes/);
  assert.match(decodeRaftPayload(A, B, { ...holes, term: -1, entries: [] }) as string, /term/);
  assert.equal(decodeClientPayload({ t: 'prop', id: 1, data: 'nope' }), null);
  assert.equal(decodeClientPayload({ t: 'conf', id: 1, change: { type: 'explode', node: A } }), null);
  assert.equal(decodeClientPayload({ t: 'refused', id: 1, reason: 'whatever', leader: null }), null);
  assert.equal(decodeClientPayload(null), null);
});

function snapMessage(size: number, seed: number): SnapshotMessage {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed) & 0xff;
  return {
    type: 'snap',
    from: A,
    to: B,
    term: 4,
    snapshot: { index: 100, term: 3, config: { voters: [A, B], learners: [] }, data },
  };
}

test('a snapshot of any size reassembles exactly from chunks through the codec, with a bounded window', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 1, max: 700 }),
      fc.integer({ min: 1, max: 4 }),
      (size, chunkBytes, window) => {
        const wire: SnapshotChunk[] = [];
        let maxInFlight = 0;
        const receiver = new SnapshotReceiver();
        const sender = new SnapshotSender({
          chunkBytes,
          window,
          send: (chunk) => {
            const back = decodeRaftPayload(A, B, decodePayload(encodePayload(chunk)));
            assert.notEqual(typeof back, 'string', String(back));
            wire.push(back as SnapshotChunk);
            maxInFlight = Math.max(maxInFlight, wire.length);
            return true;
          },
          failed: () => assert.fail('no failure expected'),
          now: () => 0,
          stallMs: 1000,
        });
        const msg = snapMessage(size, size);
        sender.start(msg);
        let complete: SnapshotMessage | null = null;
        while (wire.length > 0) {
          const r = receiver.receive(wire.shift()!);
          assert.ok(r !== null);
          if (r.complete !== null) complete = r.complete;
          sender.ack(r.ack);
        }
        assert.ok(maxInFlight <= window);
        assert.ok(complete !== null);
        assert.deepEqual(
          { ...complete, snapshot: { ...complete.snapshot, data: [...complete.snapshot.data] } },
          { ...msg, snapshot: { ...msg.snapshot, data: [...msg.snapshot.data] } },
        );
        assert.equal(sender.active, 0);
      },
    ),
    { numRuns: 200 },
  );
});

test('a repeated request continues a live transfer; a stalled one restarts; stale chunks are dropped; a lost peer fails it', () => {
  const chunks: SnapshotChunk[] = [];
  const failed: string[] = [];
  const sender = new SnapshotSender({
    chunkBytes: 10,
    window: 8,
    send: (c) => (chunks.push(c), true),
    failed: (p) => failed.push(p),
    now: () => clock,
    stallMs: 1000,
  });
  let clock = 0;
  sender.start(snapMessage(30, 1));
  const first = chunks.splice(0);
  sender.start(snapMessage(30, 1));
  assert.equal(chunks.length, 0, 'the same snapshot asked again continues the transfer');
  clock = 1000;
  sender.start(snapMessage(30, 2));
  const second = chunks.splice(0);
  const receiver = new SnapshotReceiver();
  assert.equal(receiver.receive(first[1]!), null, 'no start seen');
  assert.ok(receiver.receive(second[0]!));
  assert.equal(receiver.receive(first[1]!), null, 'an older transfer');
  assert.equal(receiver.receive(second[2]!), null, 'out of order');
  sender.peerDown(B);
  assert.deepEqual(failed, [B]);
  assert.equal(sender.active, 0);
});
