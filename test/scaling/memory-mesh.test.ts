// The scaling bench's instruments on real nodes (memory transport, real timers): the counting
// transport counts what nodes send without changing what they do, and the mesh's join and kills
// end with every node agreeing on the membership.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startMemoryMesh, sleep, type MemoryMesh } from '../../bench/scaling/mesh.ts';
import { steadyCost } from '../../bench/scaling/steady.ts';
import { encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { FRAME_HEADER_BYTES } from '../../packages/runtime/src/wire/frame.ts';
import { MessageType } from '../../packages/runtime/src/wire/message-types.ts';

let mesh: MemoryMesh | undefined;
after(async () => mesh?.close());

test('counted heartbeats are whole frames: header plus the encoded { seq }', async () => {
  mesh = await startMemoryMesh(3, 10_000);
  await sleep(500);
  const cost = await steadyCost(mesh.counters(), 500, 0);
  assert.ok(cost.heartbeatFramesPerSec > 0, 'no heartbeat counted');
  const smallest = encodePayload({ seq: 0 }).length + FRAME_HEADER_BYTES;
  const largest = encodePayload({ seq: 2 ** 31 }).length + FRAME_HEADER_BYTES;
  assert.ok(
    cost.heartbeatFrameBytes >= smallest && cost.heartbeatFrameBytes <= largest,
    `${cost.heartbeatFrameBytes} B`,
  );
  assert.ok(cost.totalBytesPerSec >= cost.heartbeatBytesPerSec);
});

test('a disabled counter counts nothing and the nodes stay connected', async () => {
  assert.ok(mesh);
  const counters = mesh.counters();
  for (const c of counters) {
    c.reset();
    c.enabled = false;
  }
  await sleep(300);
  assert.equal(
    counters.reduce((sum, c) => sum + c.framesOf(MessageType.Heartbeat), 0),
    0,
  );
  assert.ok(mesh.formed());
  for (const c of counters) c.enabled = true;
});

test('a join is seen by every node, and every survivor declares a crashed or silent node down', async () => {
  assert.ok(mesh);
  const first = await mesh.join(10_000);
  assert.equal(mesh.members.length, 4);
  assert.ok(mesh.formed());
  assert.ok(first.bytes > 0, 'a join sends member lists');
  await mesh.kill(first.member, 'crash', 10_000);
  assert.equal(mesh.members.length, 3);
  assert.ok(mesh.members.every((m) => !m.node.isConnected(first.member.node.name)));
  const second = await mesh.join(10_000);
  await sleep(500);
  await mesh.kill(second.member, 'silent', 10_000);
  assert.ok(mesh.members.every((m) => !m.node.isConnected(second.member.node.name)));
  assert.ok(mesh.formed(), 'the survivors still form a full mesh');
});
