/**
 * Reading HTTP/1.1 answers from bytes, for the benchmarks' client (`http-client.ts`): the status
 * line and headers (`parseHead`: status, `Content-Length`, chunked, `Connection: close`) and a
 * chunked body (`parseChunked`), both straight from a `Buffer` without turning it into strings,
 * returning undefined while the bytes are incomplete and throwing `HttpClientError`
 * (`bad_response`) on bytes that are no HTTP answer.
 *
 * ```ts
 * const head = parseHead(buf); // undefined until the blank line has arrived
 * const body = head?.length === undefined ? undefined : buf.subarray(head.size, head.size + head.length);
 * ```
 *
 * When not to use: anywhere but the benchmarks' client — no 1xx, no trailers, no obsolete line
 * folding.
 */

export type HttpClientErrorCode = 'connection_closed' | 'bad_response' | 'timeout' | 'bad_url';

export class HttpClientError extends Error {
  readonly code: HttpClientErrorCode;

  constructor(code: HttpClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpClientError';
    this.code = code;
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const HTTP1 = Buffer.from('HTTP/1.');
const CONTENT_LENGTH = Buffer.from('content-length');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const CONNECTION = Buffer.from('connection');
const CHUNKED = Buffer.from('chunked');
const CLOSE = Buffer.from('close');

export interface Head {
  readonly status: number;
  /** Bytes of the status line and headers, with the blank line. */
  readonly size: number;
  readonly length: number | undefined;
  readonly chunked: boolean;
  readonly close: boolean;
}

/** Whether `buf[start, end)` is `word` (lower case ASCII), ignoring ASCII case. */
function bytesAre(buf: Buffer, start: number, end: number, word: Buffer): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (((buf[start + i] as number) | 0x20) !== word[i]) return false;
  return true;
}

const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x09;

/**
 * Parses the head of a response starting at `from` in `buf` (default 0), byte by byte: only the
 * status and the three headers that frame a message are read. Undefined until it is all there.
 */
export function parseHead(buf: Buffer, from = 0): Head | undefined {
  const end = buf.indexOf(HEADER_END, from);
  if (end < 0) return undefined;
  const lineEnd = buf.indexOf(CRLF, from);
  let status = 0;
  for (let i = from + 9; i < from + 12; i++) {
    const d = (buf[i] ?? 0) - 0x30;
    status = d >= 0 && d <= 9 ? status * 10 + d : NaN;
  }
  if (lineEnd < from + 12 || buf.compare(HTTP1, 0, 7, from, from + 7) !== 0 || !(status >= 200))
    throw new HttpClientError(
      'bad_response',
      `not an HTTP/1.x final response: ${buf.toString('latin1', from, Math.min(lineEnd, from + 40))}`,
    );
  let length: number | undefined;
  let chunked = false;
  let close = buf[from + 7] === 0x30; // HTTP/1.0
  for (let at = lineEnd + 2; at < end;) {
    const eol = buf.indexOf(CRLF, at);
    const colon = buf.indexOf(0x3a, at);
    if (colon >= 0 && colon < eol) {
      let v = colon + 1;
      let w = eol;
      while (v < w && isSpace(buf[v])) v++;
      while (w > v && isSpace(buf[w - 1])) w--;
      if (bytesAre(buf, at, colon, CONTENT_LENGTH)) {
        let n = v < w ? 0 : NaN;
        for (let i = v; i < w; i++) {
          const d = (buf[i] as number) - 0x30;
          n = d >= 0 && d <= 9 ? n * 10 + d : NaN;
        }
        if (!Number.isSafeInteger(n)) throw new HttpClientError('bad_response', 'bad content-length');
        length = n;
      } else if (bytesAre(buf, at, colon, TRANSFER_ENCODING)) {
        chunked = w - v >= CHUNKED.length && bytesAre(buf, w - CHUNKED.length, w, CHUNKED);
      } else if (bytesAre(buf, at, colon, CONNECTION)) {
        close = bytesAre(buf, v, w, CLOSE);
      }
    }
    at = eol + 2;
  }
  if (status === 204 || status === 304) length = 0;
  return { status, size: end + 4 - from, length, chunked, close };
}

/**
 * The body of a chunked response starting at `from`: the bytes and where the message ends, or
 * undefined until the last chunk is there.
 */
export function parseChunked(buf: Buffer, from: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const eol = buf.indexOf(CRLF, at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    if (!Number.isInteger(size) || size < 0) throw new HttpClientError('bad_response', 'bad chunk size');
    if (size === 0) {
      // No trailers: the last chunk is followed by one empty line.
      if (buf.length < eol + 4) return undefined;
      const body = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      return { body, end: eol + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
