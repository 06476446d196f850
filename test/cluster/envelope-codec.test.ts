// The wire form of actor envelopes: every kind survives encode → MessagePack → decode with node
// names restored from the connection, it is several times smaller than the map form, and the
// earlier map form is still read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Pid, RemoteEnvelope, RemoteTarget } from '../../packages/runtime/src/actor/index.ts';
import { decodeEnvelope, encodeEnvelope } from '../../packages/runtime/src/cluster/envelope-codec.ts';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';

const SENDER = 'gotham@127.0.0.1:4370';
const RECEIVER = 'metropolis@127.0.0.1:4371';
const OTHER = 'capitol@127.0.0.1:4372';
const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};

const node = fc.constantFrom(SENDER, RECEIVER, OTHER);
const pid: fc.Arbitrary<Pid> = fc.record({ node, inc: fc.nat(), id: fc.nat() });
const target: fc.Arbitrary<RemoteTarget> = fc.oneof(
  pid,
  fc.record({ name: fc.string({ minLength: 1, maxLength: 12 }), node }),
);
const data = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string()),
  fc.record({ a: fc.string() }),
);
const envelope: fc.Arbitrary<RemoteEnvelope> = fc.oneof(
  fc.record({
    t: fc.constant('call' as const),
    to: target,
    msg: data,
    from: fc.record({ tag: fc.nat(), node: fc.constant(SENDER) }),
  }),
  fc.record({ t: fc.constantFrom('cast' as const, 'send' as const), to: target, msg: data }),
  fc.record({ t: fc.constant('reply' as const), tag: fc.nat(), ok: fc.boolean(), value: data }),
  fc.record({ t: fc.constant('exit' as const), to: pid, from: pid, reason: data }),
  fc.record({ t: fc.constantFrom('link' as const, 'unlink' as const), to: pid, from: pid }),
  fc.record({ t: fc.constant('monitor' as const), to: target, from: pid, ref: pid }),
  fc.record({ t: fc.constant('demonitor' as const), to: pid, ref: pid }),
  fc.record({ t: fc.constant('down' as const), to: pid, ref: pid, pid, reason: data }),
);

test('every envelope kind round-trips through the wire form, node names restored from the connection', () => {
  fc.assert(
    fc.property(envelope, (env) => {
      const wire = decodePayload(encodePayload(encodeEnvelope(env, SENDER, RECEIVER)));
      // fast-check builds null-prototype records; compare plain copies.
      assert.deepEqual(decodeEnvelope(wire, RECEIVER, SENDER), JSON.parse(JSON.stringify(env)));
    }),
    { numRuns: 2000, ...fcParams },
  );
});

test('a call to a registered actor is a short array, not a map spelling out both node names', () => {
  const env: RemoteEnvelope = {
    t: 'call',
    to: { name: 'echo', node: RECEIVER },
    msg: 'ping',
    from: { tag: 123456, node: SENDER },
  };
  const wire = encodeEnvelope(env, SENDER, RECEIVER);
  assert.deepEqual(wire, [0, 'echo', 'ping', 123456]);
  assert.ok(encodePayload(wire).length * 5 < encodePayload(env).length);
});

test('the earlier map form is still read; anything else is refused', () => {
  const env: RemoteEnvelope = { t: 'cast', to: { name: 'echo', node: RECEIVER }, msg: 1 };
  assert.deepEqual(decodeEnvelope(decodePayload(encodePayload(env)), RECEIVER, SENDER), env);
  for (const bad of [
    null,
    7,
    'x',
    {},
    [],
    [99],
    [0, { id: 1 }, 'm', 1],
    [5, [1], [1, 2], 'r'],
    [3, 'tag', 1],
  ]) {
    assert.throws(() => decodeEnvelope(bad, RECEIVER, SENDER), TypeError, JSON.stringify(bad));
  }
});
