// The payload decoder takes plain data only, from anyone: MessagePack extensions other than
// `undefined` and timestamps are refused (structured clone, records, Sets, RegExps, Errors, typed
// arrays, BigInts wider than 64 bits), nesting stops at MAX_NESTING_DEPTH, and a refusal leaves
// no state behind. fast-check prints the seed of a failure; replay with FC_SEED.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { WireError } from '../../packages/runtime/src/wire/errors.ts';
import { MAX_NESTING_DEPTH } from '../../packages/runtime/src/wire/plain-data.ts';

const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};

/** What a hostile peer's msgpackr would send with every option on. */
const rich = new Packr({
  structuredClone: true,
  moreTypes: true,
  useRecords: true,
  largeBigIntToString: false,
});

function nested(levels: number, inner: unknown): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

function refused(bytes: Uint8Array, code: string): void {
  assert.throws(
    () => decodePayload(bytes),
    (err: unknown) => err instanceof WireError && err.code === code,
    `expected ${code} for ${Buffer.from(bytes).toString('hex').slice(0, 80)}`,
  );
}

describe('payload decoder limits', () => {
  it('refuses structured clone: a 20-byte self-referencing array and shared references', () => {
    refused(Uint8Array.from([0xd6, 0x69, 0, 0, 0, 0, 0x91, 0xd6, 0x70, 0, 0, 0, 0]), 'ERR_PAYLOAD_EXTENSION');
    const shared = { a: 1 };
    refused(rich.pack({ x: shared, y: shared }), 'ERR_PAYLOAD_EXTENSION');
  });

  it('refuses Sets, RegExps, Errors, typed arrays and record definitions written by a rich encoder', () => {
    for (const value of [new Set([1]), /x+/g, new Error('boom'), new Float64Array(2), [{ a: 1 }, { a: 2 }]]) {
      refused(rich.pack(value), 'ERR_PAYLOAD_EXTENSION');
    }
  });

  it('a refused record definition leaves nothing behind: 0x40 still decodes as the number 64', () => {
    refused(Uint8Array.from([0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61, 0x01]), 'ERR_PAYLOAD_EXTENSION');
    assert.equal(decodePayload(Uint8Array.from([0x40])), 64);
  });

  it('limits integers to 64 bits: a BigInt extension is refused whatever its size, 16 MiB included', () => {
    assert.equal(decodePayload(encodePayload(2n ** 63n - 1n)), 2n ** 63n - 1n);
    for (const width of [9, 64, 16 * 1024 * 1024]) {
      const ext = Buffer.alloc(6 + width, 0x7f);
      ext[0] = 0xc9; // ext 32
      ext.writeUInt32BE(width, 1);
      ext[5] = 0x42;
      refused(ext, 'ERR_PAYLOAD_EXTENSION');
    }
  });

  it(`accepts nesting up to ${MAX_NESTING_DEPTH} levels and refuses one more, in arrays and in maps`, () => {
    assert.deepEqual(
      decodePayload(encodePayload(nested(MAX_NESTING_DEPTH, 1))),
      nested(MAX_NESTING_DEPTH, 1),
    );
    refused(encodePayload(nested(MAX_NESTING_DEPTH + 1, 1)), 'ERR_PAYLOAD_LIMIT');
    let map: unknown = 1;
    for (let i = 0; i <= MAX_NESTING_DEPTH; i++) map = { k: map };
    refused(encodePayload(map), 'ERR_PAYLOAD_LIMIT');
    refused(Buffer.alloc(1_000_000, 0x91), 'ERR_PAYLOAD_LIMIT');
  });

  it('still decodes undefined and dates', () => {
    const date = new Date(1_700_000_000_123);
    assert.deepEqual(decodePayload(encodePayload({ u: undefined, date })), { u: undefined, date });
  });

  it('random bytes either decode or fail with a WireError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        try {
          decodePayload(bytes);
        } catch (err) {
          assert.ok(err instanceof WireError, `not a WireError: ${String(err)}`);
        }
      }),
      { numRuns: 20_000, ...fcParams },
    );
  });

  it('every extension type but undefined and timestamps is refused in any fixext or ext size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xfe }),
        fc.constantFrom(0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc7),
        (type, token) => {
          const length = token === 0xc7 ? 3 : 1 << (token - 0xd4);
          const head = token === 0xc7 ? [0xc7, length, type] : [token, type];
          refused(
            Uint8Array.from([0x91, ...head, ...new Array<number>(length).fill(0)]),
            'ERR_PAYLOAD_EXTENSION',
          );
        },
      ),
      fcParams,
    );
  });
});
