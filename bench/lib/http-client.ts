/**
 * The benchmarks' HTTP/1.1 client: keep-alive connections over `node:net`, one request in flight
 * per connection, a response parsed straight from the socket's bytes (`Content-Length` or
 * chunked). Node's `fetch` spends most of a loopback request in its own machinery (WHATWG
 * streams, header objects, abort signals) and caps a benchmark near 2,000 requests/s on this
 * machine; this client is thin enough that the server, not the client, sets the figure.
 *
 * ```ts
 * const http = new HttpClient();
 * const res = await http.request('http://127.0.0.1:8080/kv/t/k', { method: 'PUT', body: '"v"' });
 * res.status; // 200
 * res.json();  // the parsed body
 * await http.close();
 * ```
 *
 * Connections: one per concurrent request to an origin, reused when idle (the caller bounds
 * concurrency, as the workloads do with their `inFlight` callers). A connection the server closes
 * is dropped; a request on it rejects with `HttpClientError` (`connection_closed`), as does a
 * malformed answer (`bad_response`) or one later than `timeoutMs` (`timeout`, default 60 s: a
 * hang guard, not a latency bound). Plain `http:` only; no redirects, no 1xx, no trailers.
 *
 * When not to use: for streams that never end (server-sent events) — read those with `fetch`.
 */
import net from 'node:net';

export interface RequestInit {
  /** Default `GET`. */
  readonly method?: string;
  readonly body?: string;
  /** Extra request headers (`Host` and `Content-Length` are always sent). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Reject after this long, ms. Default 60 000. */
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

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
const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * An idle connection older than this is not reused, ms: a server may close it meanwhile (Node's
 * default keep-alive timeout is 5 s), and a request written into a closing socket would fail.
 */
const REUSE_WITHIN_MS = 2000;

function response(status: number, body: Buffer): HttpResponse {
  return {
    status,
    body,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

interface Head {
  readonly status: number;
  /** Bytes of the status line and headers, with the blank line. */
  readonly size: number;
  readonly length: number | undefined;
  readonly chunked: boolean;
  readonly close: boolean;
}

/** Parses the head of a response at the start of `buf`; undefined until it is all there. */
export function parseHead(buf: Buffer): Head | undefined {
  const end = buf.indexOf(HEADER_END);
  if (end < 0) return undefined;
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const statusLine = lines[0] ?? '';
  const status = Number(statusLine.slice(9, 12));
  if (!statusLine.startsWith('HTTP/1.') || !Number.isInteger(status) || status < 200)
    throw new HttpClientError('bad_response', `not an HTTP/1.x final response: ${statusLine.slice(0, 40)}`);
  let length: number | undefined;
  let chunked = false;
  let close = statusLine.startsWith('HTTP/1.0');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.endsWith('chunked');
    else if (name === 'connection') close = value === 'close';
  }
  if (length !== undefined && !(Number.isInteger(length) && length >= 0))
    throw new HttpClientError('bad_response', `bad content-length`);
  if (status === 204 || status === 304) length = 0;
  return { status, size: end + 4, length, chunked, close };
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
      return { body: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), end: eol + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

interface Pending {
  resolve(res: HttpResponse): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** One keep-alive connection, one request at a time. */
class Connection {
  readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private head: Head | undefined;
  closed = false;
  /** When this connection last became idle (`performance.now()`). */
  idleSince = 0;

  private readonly idle: (c: Connection) => void;
  private readonly gone: (c: Connection) => void;

  constructor(host: string, port: number, idle: (c: Connection) => void, gone: (c: Connection) => void) {
    this.idle = idle;
    this.gone = gone;
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) =>
      this.fail(new HttpClientError('connection_closed', err.message, { cause: err })),
    );
    this.socket.on('close', () =>
      this.fail(new HttpClientError('connection_closed', 'the server closed the connection')),
    );
  }

  send(request: string, pending: Pending): void {
    this.pending = pending;
    this.socket.write(request, 'latin1');
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const p = this.pending;
    if (!p) {
      this.fail(new HttpClientError('bad_response', 'bytes arrived with no request outstanding'));
      return;
    }
    try {
      this.head ??= parseHead(this.buf);
      const head = this.head;
      if (!head) return;
      let body: Buffer;
      let end: number;
      if (head.chunked) {
        const c = parseChunked(this.buf, head.size);
        if (!c) return;
        ({ body, end } = c);
      } else if (head.length !== undefined) {
        end = head.size + head.length;
        if (this.buf.length < end) return;
        body = this.buf.subarray(head.size, end);
      } else {
        throw new HttpClientError(
          'bad_response',
          'a response without a length (read to close) is not supported',
        );
      }
      if (end !== this.buf.length) throw new HttpClientError('bad_response', 'more bytes than the response');
      this.buf = Buffer.alloc(0);
      this.head = undefined;
      this.pending = undefined;
      clearTimeout(p.timer);
      if (head.close) {
        this.destroy();
      } else {
        this.idleSince = performance.now();
        this.idle(this);
      }
      p.resolve(response(head.status, body));
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Ends this connection; the request on it, if any, rejects with `err`. */
  fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    this.destroy();
    if (p) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.gone(this);
  }
}

export class HttpClient {
  private readonly idle = new Map<string, Connection[]>();
  private readonly open = new Set<Connection>();

  request(url: string, init: RequestInit = {}): Promise<HttpResponse> {
    let target: URL;
    try {
      target = new URL(url);
    } catch (err) {
      return Promise.reject(new HttpClientError('bad_url', `not a URL: ${url}`, { cause: err }));
    }
    if (target.protocol !== 'http:')
      return Promise.reject(new HttpClientError('bad_url', `only http: is supported: ${url}`));
    const body = init.body ?? '';
    let head = `${init.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n`;
    if (init.headers) for (const [k, v] of Object.entries(init.headers)) head += `${k}: ${v}\r\n`;
    head += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    // Written as Latin-1: a body beyond ASCII is re-encoded as its UTF-8 bytes first.
    const ascii = Buffer.byteLength(body) === body.length;
    const request = head + (ascii ? body : Buffer.from(body, 'utf8').toString('latin1'));
    const conn = this.connection(target.host, target.hostname, Number(target.port || 80));
    const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<HttpResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => conn.fail(new HttpClientError('timeout', `no response within ${timeoutMs} ms: ${url}`)),
        timeoutMs,
      );
      conn.send(request, { resolve, reject, timer });
    });
  }

  /** Closes every connection; requests still waiting reject with `connection_closed`. */
  close(): Promise<void> {
    for (const c of [...this.open]) c.fail(new HttpClientError('connection_closed', 'the client was closed'));
    this.idle.clear();
    return Promise.resolve();
  }

  private connection(origin: string, host: string, port: number): Connection {
    const idle = this.idle.get(origin);
    const now = performance.now();
    for (let c = idle?.pop(); c; c = idle?.pop()) {
      if (c.closed) continue;
      if (now - c.idleSince < REUSE_WITHIN_MS) return c;
      c.destroy();
    }
    const conn = new Connection(
      host,
      port,
      (c) => {
        let list = this.idle.get(origin);
        if (!list) this.idle.set(origin, (list = []));
        list.push(c);
      },
      (c) => {
        this.open.delete(c);
        const list = this.idle.get(origin);
        const at = list?.indexOf(c) ?? -1;
        if (at >= 0) list?.splice(at, 1);
      },
    );
    this.open.add(conn);
    return conn;
  }
}
