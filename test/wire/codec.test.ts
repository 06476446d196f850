// Payload codec (standard MessagePack). fast-check prints the seed of a failure; replay with FC_SEED.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import {
  MessageType,
  messageTypeName,
  KNOWN_MESSAGE_TYPES,
} from '../../packages/runtime/src/wire/message-types.ts';

const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};

/** Plain data as protocols send it (no -0: MessagePack has no negative zero integer). */
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true }).filter((d) => !Object.is(d, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.string().filter((k) => k !== '__proto__'),
      tie('value'),
      { maxKeys: 5, noNullPrototype: true },
    ),
  ),
})).value;

describe('payload codec', () => {
  it('round-trips plain data', () => {
    fc.assert(
      fc.property(plain, (value) => {
        assert.deepEqual(decodePayload(encodePayload(value)), value);
      }),
      fcParams,
    );
  });

  it('round-trips binary as bytes, not as base64 or arrays', () => {
    const bytes = Uint8Array.from([0, 1, 254, 255]);
    const decoded = decodePayload(encodePayload({ bytes })) as { bytes: Uint8Array };
    assert.ok(decoded.bytes instanceof Uint8Array);
    assert.deepEqual([...decoded.bytes], [0, 1, 254, 255]);
    const encoded = Buffer.from(encodePayload({ bytes }));
    assert.ok(encoded.includes(Buffer.from([0xc4, 4, 0, 1, 254, 255])), 'not a MessagePack bin 8');
  });

  it('writes standard MessagePack that any reader understands (maps as map 16, no extensions)', () => {
    assert.deepEqual([...encodePayload({ a: 1 })], [0xde, 0x00, 0x01, 0xa1, 0x61, 0x01]);
    assert.deepEqual([...encodePayload([1, 'x', null])], [0x93, 0x01, 0xa1, 0x78, 0xc0]);
  });

  it('raises PayloadDecodeError for truncated, trailing, empty or reserved-byte input', () => {
    const valid = encodePayload({ hello: 'world' });
    assert.throws(() => decodePayload(valid.subarray(0, valid.length - 2)), { code: 'ERR_PAYLOAD_DECODE' });
    assert.throws(() => decodePayload(Buffer.concat([valid, Buffer.from([1])])), {
      code: 'ERR_PAYLOAD_DECODE',
    });
    assert.throws(() => decodePayload(new Uint8Array(0)), { code: 'ERR_PAYLOAD_DECODE' });
    assert.throws(() => decodePayload(Uint8Array.from([0xc1])), { code: 'ERR_PAYLOAD_DECODE' });
  });

  it('survives hostile nesting and huge declared lengths, and decodes normally afterwards', () => {
    assert.throws(() => decodePayload(Buffer.alloc(200_000, 0x91)), { code: 'ERR_PAYLOAD_LIMIT' });
    assert.throws(() => decodePayload(Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff])), {
      code: 'ERR_PAYLOAD_DECODE',
    });
    assert.deepEqual(decodePayload(encodePayload([1, 'x'])), [1, 'x']);
  });

  it('decodes a range of a larger buffer, and the result never refers to the input bytes', () => {
    for (const size of [3, 100, 70_000]) {
      const blob = Buffer.alloc(size, 7);
      const payload = encodePayload({ blob, s: 'x'.repeat(size % 50) });
      const buffer = new Uint8Array(
        Buffer.concat([Buffer.from([1, 2, 3]), payload, Buffer.from([0xc1, 0xc1])]),
      );
      const decoded = decodePayload(buffer, 3, 3 + payload.length) as { blob: Buffer; s: string };
      buffer.fill(0);
      decodePayload(encodePayload({ blob: Buffer.alloc(size, 9) })); // reuses the decoder's scratch
      assert.ok(Buffer.isBuffer(decoded.blob), `a ${size}-byte binary is not a Buffer`);
      assert.ok(decoded.blob.equals(Buffer.alloc(size, 7)), `a ${size}-byte binary changed under us`);
      assert.equal(decoded.s, 'x'.repeat(size % 50));
    }
    const valid = encodePayload([1, 2]);
    const padded = Buffer.concat([valid, Buffer.from([0x01])]);
    assert.throws(() => decodePayload(padded, 0, padded.length), { code: 'ERR_PAYLOAD_DECODE' });
    assert.throws(() => decodePayload(padded, 1, 1), { code: 'ERR_PAYLOAD_DECODE' });
  });

  it('raises PayloadEncodeError for values MessagePack cannot carry', () => {
    assert.throws(() => encodePayload(Symbol('x')), { code: 'ERR_PAYLOAD_ENCODE' });
    assert.throws(() => encodePayload(2n ** 64n), { code: 'ERR_PAYLOAD_ENCODE' });
  });
});

describe('message type ids', () => {
  it('are unique and fit in a byte', () => {
    const ids = Object.values(MessageType);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => Number.isInteger(id) && id > 0 && id < 256));
    assert.equal(KNOWN_MESSAGE_TYPES.size, ids.length);
  });

  it('keep the numbers of the shipped protocol (append only)', () => {
    assert.deepEqual(
      {
        HandshakeHello: MessageType.HandshakeHello,
        HandshakeChallenge: MessageType.HandshakeChallenge,
        HandshakeProof: MessageType.HandshakeProof,
        HandshakeAccept: MessageType.HandshakeAccept,
        HandshakeReject: MessageType.HandshakeReject,
        Heartbeat: MessageType.Heartbeat,
        Goodbye: MessageType.Goodbye,
      },
      {
        HandshakeHello: 1,
        HandshakeChallenge: 2,
        HandshakeProof: 3,
        HandshakeAccept: 4,
        HandshakeReject: 5,
        Heartbeat: 6,
        Goodbye: 7,
      },
    );
    assert.equal(messageTypeName(6), 'Heartbeat');
    assert.equal(messageTypeName(250), 'unknown(250)');
  });
});
