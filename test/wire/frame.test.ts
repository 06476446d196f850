// Frame format and reassembling decoder. fast-check prints the seed and path of any failure;
// replay with FC_SEED=<seed>.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FRAME_HEADER_BYTES, WIRE_VERSION } from '../../packages/runtime/src/wire/frame.ts';
import { FrameDecoder } from '../../packages/runtime/src/wire/frame-decoder.ts';
import { encodeFrameScratch } from '../../packages/runtime/src/wire/frame-encoder.ts';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { MessageType, KNOWN_MESSAGE_TYPES } from '../../packages/runtime/src/wire/message-types.ts';

const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};
const knownTypes = [...KNOWN_MESSAGE_TYPES];

function drain(decoder: FrameDecoder): Array<{ type: number; payload: number[] }> {
  const out: Array<{ type: number; payload: number[] }> = [];
  for (let frame = decoder.next(); frame; frame = decoder.next()) {
    out.push({ type: frame.type, payload: [...frame.payload] });
  }
  return out;
}

describe('frame format', () => {
  it('is [u32 length][u8 version][u8 type][payload], length counting version, type and payload', () => {
    const frame = encodeFrame(MessageType.Heartbeat, Uint8Array.from([0xaa, 0xbb]));
    assert.deepEqual([...frame], [0, 0, 0, 4, WIRE_VERSION, MessageType.Heartbeat, 0xaa, 0xbb]);
  });

  it('encodes a value straight into the same bytes as encodeFrame, in a reused scratch buffer', () => {
    fc.assert(
      fc.property(fc.constantFrom(...knownTypes), fc.jsonValue(), (type, value) => {
        const expected = encodeFrame(type, encodePayload(value));
        const scratch = encodeFrameScratch(type, value, 1 << 20);
        assert.deepEqual([...scratch.subarray(scratch.start, scratch.end)], [...expected]);
      }),
      fcParams,
    );
    assert.throws(() => encodeFrameScratch(MessageType.Heartbeat, 'x'.repeat(100), 50), {
      code: 'ERR_FRAME_TOO_LARGE',
    });
    assert.throws(() => encodeFrameScratch(256, 1, 1 << 20), RangeError);
  });

  it('refuses to encode a frame larger than the limit', () => {
    assert.throws(
      () => encodeFrame(MessageType.Heartbeat, new Uint8Array(100), 100 + FRAME_HEADER_BYTES - 1),
      {
        code: 'ERR_FRAME_TOO_LARGE',
      },
    );
    assert.equal(
      encodeFrame(MessageType.Heartbeat, new Uint8Array(100), 100 + FRAME_HEADER_BYTES).length,
      106,
    );
  });

  it('reassembles any sequence of frames however the byte stream is split', () => {
    const frameArb = fc.record({
      type: fc.constantFrom(...knownTypes),
      payload: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (frames, cuts) => {
          const bytes = Buffer.concat(frames.map((f) => encodeFrame(f.type, f.payload)));
          const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort(
            (a, b) => a - b,
          );
          const decoder = new FrameDecoder();
          const got: Array<{ type: number; payload: number[] }> = [];
          let previous = 0;
          for (const point of [...points, bytes.length]) {
            decoder.push(bytes.subarray(previous, point));
            got.push(...drain(decoder));
            previous = point;
          }
          assert.deepEqual(
            got,
            frames.map((f) => ({ type: f.type, payload: [...f.payload] })),
          );
          assert.equal(decoder.bufferedBytes, 0);
        },
      ),
      fcParams,
    );
  });

  it('rejects an oversized frame as soon as its length field arrives, before any body', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    decoder.push(Uint8Array.from([0x00, 0x10, 0x00, 0x00])); // announces 1 MiB
    assert.throws(() => decoder.next(), { code: 'ERR_FRAME_TOO_LARGE' });
    assert.equal(decoder.bufferedBytes, 0, 'kept bytes of a frame it already refused');
  });

  it('rejects a length shorter than the header as malformed', () => {
    const decoder = new FrameDecoder();
    decoder.push(Uint8Array.from([0, 0, 0, 1, WIRE_VERSION]));
    assert.throws(() => decoder.next(), { code: 'ERR_MALFORMED_FRAME' });
  });

  it('rejects a wrong version byte and an unknown type before the body arrives', () => {
    const wrongVersion = new FrameDecoder();
    wrongVersion.push(Uint8Array.from([0, 0, 0, 100, WIRE_VERSION + 1]));
    assert.throws(() => wrongVersion.next(), { code: 'ERR_UNSUPPORTED_VERSION' });
    const unknownType = new FrameDecoder();
    unknownType.push(Uint8Array.from([0, 0, 0, 100, WIRE_VERSION, 250]));
    assert.throws(() => unknownType.next(), { code: 'ERR_UNKNOWN_MESSAGE_TYPE' });
  });

  it('stays failed after an error: the connection must be closed, not resynchronised', () => {
    const decoder = new FrameDecoder();
    decoder.push(Uint8Array.from([0, 0, 0, 2, WIRE_VERSION, 250]));
    assert.throws(() => decoder.next(), { code: 'ERR_UNKNOWN_MESSAGE_TYPE' });
    decoder.push(encodeFrame(MessageType.Heartbeat, new Uint8Array(1)));
    assert.throws(() => decoder.next(), { code: 'ERR_UNKNOWN_MESSAGE_TYPE' });
  });

  it('hands out frames in place with nextFrame, and keeps a partial frame safe when asked to own it', () => {
    const frames = [1, 2, 3].map((n) => encodeFrame(MessageType.Heartbeat, encodePayload({ seq: n })));
    const stream = Buffer.concat(frames);
    const decoder = new FrameDecoder();
    // One reused read buffer, as a socket with `onread` gives: everything but whole frames must be copied.
    const readBuffer = Buffer.alloc(stream.length);
    const seen: unknown[] = [];
    for (const [from, to] of [
      [0, 5],
      [5, frames[0]!.length + 3],
      [frames[0]!.length + 3, stream.length],
    ] as const) {
      stream.copy(readBuffer, 0, from, to);
      decoder.push(readBuffer.subarray(0, to - from));
      while (decoder.nextFrame()) {
        seen.push(decodePayload(decoder.frameBytes, decoder.frameStart, decoder.frameEnd));
      }
      decoder.ownBufferedBytes();
      readBuffer.fill(0xee);
    }
    assert.deepEqual(seen, [{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('applies a raised limit to the frames after the change', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 64 });
    decoder.push(encodeFrame(MessageType.Heartbeat, new Uint8Array(10)));
    decoder.push(encodeFrame(MessageType.Heartbeat, new Uint8Array(1000)));
    assert.equal(decoder.next()?.payload.length, 10);
    decoder.maxFrameBytes = 4096;
    assert.equal(decoder.next()?.payload.length, 1000);
  });

  it('never throws anything but a WireError on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const decoder = new FrameDecoder({ maxFrameBytes: 4096 });
        try {
          for (const chunk of chunks) {
            decoder.push(chunk);
            drain(decoder);
          }
        } catch (err) {
          assert.match((err as { code?: string }).code ?? '', /^ERR_/);
        }
      }),
      fcParams,
    );
  });
});
