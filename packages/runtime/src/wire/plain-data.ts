/**
 * The gate in front of the MessagePack decoder: one pass over the raw bytes that lets only plain
 * data through, so msgpackr never sees anything but nil, booleans, numbers, strings, binaries,
 * arrays, maps, `undefined` and timestamps.
 *
 * Why a pass of our own: msgpackr's extension table is global to the process and has no switch
 * per decoder, so Sets, RegExps, Errors, typed arrays, bundled strings, record definitions (which
 * would even outlive the message in the decoder's state) and arbitrarily wide BigInts all decode
 * from any peer; `structuredClone: false` only turns off its reference ids. Nor has msgpackr a
 * depth limit: it recurses, so a deep nest costs a stack overflow in the middle of its state.
 *
 * Rules (each refusal is a `WireError`; the connection that sent it is closed):
 * - Extensions: only type 0 in a fixext 1 (`undefined`, as msgpackr writes it) and type -1
 *   (timestamp: 4, 8 or 12 bytes). Anything else is `PayloadExtensionError`, including BigInt
 *   (type 0x42): integers are limited to 64 bits (`int 64`/`uint 64`), which is what the encoder
 *   can write.
 * - Nesting: at most `MAX_NESTING_DEPTH` arrays and maps deep (`PayloadLimitError`).
 * - Structure: exactly one value filling `[start, end)`; the reserved byte 0xc1, a truncated
 *   value or a count larger than the bytes left is `PayloadDecodeError`.
 *
 * The pass is iterative (no recursion), reads each header once, skips string and binary bodies,
 * and allocates nothing but a stack of `MAX_NESTING_DEPTH` counters, reused.
 *
 * Example:
 * ```ts
 * checkPlainData(bytes, 0, bytes.length); // throws on anything but plain data
 * ```
 */
import { PayloadDecodeError, PayloadExtensionError, PayloadLimitError } from './errors.ts';

/**
 * Deepest nesting of arrays and maps accepted. 64: our protocols nest fewer than 10 levels; a
 * value deeper than this is a bug or an attack, and checking stays cheap.
 */
export const MAX_NESTING_DEPTH = 64;

/** The MessagePack extension type of timestamps (-1), as an unsigned byte. */
const TIMESTAMP = 0xff;

/** Items still to read in each open container; index 0 is the top level. */
const remaining = new Float64Array(MAX_NESTING_DEPTH + 1);

/** Throws unless `bytes[start, end)` is exactly one MessagePack value of plain data. */
export function checkPlainData(bytes: Uint8Array, start: number, end: number): void {
  let pos = start;
  let depth = 0;
  remaining[0] = 1;
  for (;;) {
    while (remaining[depth] === 0) {
      if (depth === 0) {
        if (pos !== end) throw truncated(`${end - pos} trailing bytes after the value`);
        return;
      }
      depth--;
    }
    remaining[depth]!--;
    if (pos >= end) throw truncated('the value ends early');
    const b = bytes[pos++]!;
    let skip = 0;
    let items = -1;
    if (b <= 0x7f || b >= 0xe0) {
      // positive or negative fixint
    } else if (b <= 0x8f) {
      items = (b & 0x0f) * 2;
    } else if (b <= 0x9f) {
      items = b & 0x0f;
    } else if (b <= 0xbf) {
      skip = b & 0x1f;
    } else {
      switch (b) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc1:
          throw truncated('reserved byte 0xc1');
        case 0xc4:
        case 0xd9:
          skip = readLength(bytes, pos, 1, end);
          pos += 1;
          break;
        case 0xc5:
        case 0xda:
          skip = readLength(bytes, pos, 2, end);
          pos += 2;
          break;
        case 0xc6:
        case 0xdb:
          skip = readLength(bytes, pos, 4, end);
          pos += 4;
          break;
        case 0xc7:
        case 0xc8:
        case 0xc9: {
          const width = b === 0xc7 ? 1 : b === 0xc8 ? 2 : 4;
          const length = readLength(bytes, pos, width, end);
          pos += width;
          if (pos >= end) throw truncated('an extension ends early');
          checkExtension(bytes[pos]!, length, b);
          skip = length + 1;
          break;
        }
        case 0xca:
          skip = 4;
          break;
        case 0xcb:
          skip = 8;
          break;
        case 0xcc:
        case 0xd0:
          skip = 1;
          break;
        case 0xcd:
        case 0xd1:
          skip = 2;
          break;
        case 0xce:
        case 0xd2:
          skip = 4;
          break;
        case 0xcf:
        case 0xd3:
          skip = 8;
          break;
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: {
          const length = 1 << (b - 0xd4);
          if (pos >= end) throw truncated('an extension ends early');
          checkExtension(bytes[pos]!, length, b);
          skip = length + 1;
          break;
        }
        case 0xdc:
          items = readLength(bytes, pos, 2, end);
          pos += 2;
          break;
        case 0xdd:
          items = readLength(bytes, pos, 4, end);
          pos += 4;
          break;
        case 0xde:
          items = readLength(bytes, pos, 2, end) * 2;
          pos += 2;
          break;
        default: // 0xdf
          items = readLength(bytes, pos, 4, end) * 2;
          pos += 4;
          break;
      }
    }
    if (skip > 0) {
      if (skip > end - pos) throw truncated('a value is longer than the bytes left');
      pos += skip;
    } else if (items > 0) {
      // Every item takes at least one byte: a count beyond the bytes left is a lie.
      if (items > end - pos) throw truncated(`${items} items announced, ${end - pos} bytes left`);
      if (depth === MAX_NESTING_DEPTH)
        throw new PayloadLimitError(`nesting deeper than ${MAX_NESTING_DEPTH}`);
      remaining[++depth] = items;
    }
  }
}

function readLength(bytes: Uint8Array, pos: number, width: number, end: number): number {
  if (end - pos < width) throw truncated('a length field ends early');
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 256 + bytes[pos + i]!;
  return n;
}

function checkExtension(type: number, length: number, token: number): void {
  if (type === 0 && token === 0xd4) return; // undefined
  if (type === TIMESTAMP && (length === 4 || length === 8 || length === 12)) return;
  const signed = type > 127 ? type - 256 : type;
  const what = type === 0x42 ? ' (a BigInt wider than 64 bits)' : '';
  throw new PayloadExtensionError(`extension type ${signed}${what} of ${length} bytes is not plain data`);
}

function truncated(detail: string): PayloadDecodeError {
  return new PayloadDecodeError(new Error(detail));
}
