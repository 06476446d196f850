/**
 * The benchmarks' HTTP/1.1 client: keep-alive connections over `node:net`, optionally pipelined
 * (several requests in flight on one connection, answers matched in order), responses parsed
 * straight from the socket's bytes (`Content-Length` or chunked). Node's `fetch` spends most of a
 * loopback request in its own machinery (WHATWG streams, header objects, abort signals) and caps a
 * benchmark near 2,000 requests/s on this machine; this client is thin enough that the server,
 * not the client, sets the figure.
 *
 * ```ts
 * const http = new HttpClient({ connections: 8, pipeline: 8 }); // up to 64 requests in flight
 * const res = await http.request('http://127.0.0.1:8080/kv/t/k', { method: 'PUT', body: '"v"' });
 * res.status; // 200
 * res.json();  // the parsed body
 * await http.close();
 * ```
 *
 * Connections (per origin): an idle connection is reused first; else a new one is opened while
 * there are fewer than `connections`; else the request goes on the open connection with the
 * fewest requests outstanding, up to `pipeline` each; else it waits, first come first served, for
 * a free place. The defaults (no connection limit, `pipeline: 1`) give one connection per
 * concurrent request, as with `fetch`. Requests issued in one turn of the event loop to one
 * connection leave in one socket write; every response found in one socket read is parsed and
 * resolved in that read.
 *
 * An idle connection does not keep the process alive (its socket is unref'd until the next
 * request on it), so a client may be left open at module level; `close()` ends it at once.
 *
 * Errors are `HttpClientError`s with a `code`: a connection that closes or fails rejects every
 * request outstanding on it (`connection_closed`), as does an answer with `Connection: close` for
 * the requests behind it; a malformed answer ends its connection (`bad_response` for every
 * request outstanding on it). A request not answered within `timeoutMs` of its call (default 60 s:
 * a hang guard, not a latency bound) rejects with `timeout`, and the requests behind it on its
 * connection, whose answers would come after its own, with `connection_closed` (`cause`: the
 * timeout). Nothing is retried. Plain `http:` only; no redirects, no 1xx, no trailers.
 *
 * When not to use: for streams that never end (server-sent events) — read those with `fetch`;
 * and pipelining (`pipeline` > 1) only against servers that answer pipelined requests in order
 * (Node's `http` and Go's `net/http` do; Go's handles them one at a time per connection).
 */
import net from 'node:net';
import { HttpClientError, parseChunked, parseHead, type Head } from './http-response.ts';

export {
  HttpClientError,
  parseChunked,
  parseHead,
  type Head,
  type HttpClientErrorCode,
} from './http-response.ts';

export interface HttpClientOptions {
  /**
   * Connections per origin at most. Default unlimited: one per concurrent request when
   * `pipeline` is 1, the caller bounding concurrency as the workloads do with their callers.
   */
  readonly connections?: number;
  /** Requests in flight per connection at most (HTTP/1.1 pipelining). Default 1: none. */
  readonly pipeline?: number;
}

export interface RequestInit {
  /** Default `GET`. */
  readonly method?: string;
  readonly body?: string;
  /** Extra request headers (`Host` and `Content-Length` are always sent). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Reject this long after the call, ms. Default 60 000. */
  readonly timeoutMs?: number;
  /**
   * Default false. When true, the request goes on a connection with nothing outstanding (an idle
   * one, or a new one even beyond `connections`) and never waits behind another request: for
   * measurements that head-of-line blocking would distort (requests to a cluster losing its
   * leader), or to drive a server with one request per connection whatever `pipeline` is.
   */
  readonly alone?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * An idle connection older than this is not reused, ms: a server may close it meanwhile (Node's
 * default keep-alive timeout is 5 s), and a request written into a closing socket would fail.
 */
const REUSE_WITHIN_MS = 2000;

/** A FIFO array's consumed head is cut off once this long (or when the FIFO empties). */
const COMPACT_AT = 1024;

/** A class, not an object of closures: one is made per answer. */
class Answer implements HttpResponse {
  readonly status: number;
  readonly body: Buffer;

  constructor(status: number, body: Buffer) {
    this.status = status;
    this.body = body;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(): T {
    return JSON.parse(this.body.toString('utf8')) as T;
  }
}

interface Pending {
  /** The request's bytes, Latin-1. */
  readonly request: string;
  readonly url: string;
  /** `performance.now()` after which it rejects with `timeout`. */
  readonly deadline: number;
  readonly timeoutMs: number;
  resolve(res: HttpResponse): void;
  reject(err: Error): void;
  /** While it waits for a place on a connection: its timeout. */
  waitTimer?: ReturnType<typeof setTimeout>;
}

/** The connections to one origin and the requests waiting for a place on one. */
class Pool {
  readonly conns: Connection[] = [];
  /** Connections with nothing outstanding, the most recently idle last. */
  readonly idle: Connection[] = [];
  readonly waiting: Pending[] = [];
  waitingHead = 0;
  private draining = false;

  readonly host: string;
  readonly port: number;
  readonly maxConnections: number;
  readonly depth: number;

  constructor(host: string, port: number, maxConnections: number, depth: number) {
    this.host = host;
    this.port = port;
    this.maxConnections = maxConnections;
    this.depth = depth;
  }

  /** A connection with room for one more request, or undefined when all are full. */
  pick(): Connection | undefined {
    const c = this.idleConnection();
    if (c) return c;
    if (this.conns.length < this.maxConnections) return this.connect();
    if (this.depth === 1) return undefined;
    let best: Connection | undefined;
    for (const c of this.conns) {
      if (c.outstanding < this.depth && (best === undefined || c.outstanding < best.outstanding)) best = c;
    }
    return best;
  }

  /** An idle connection recent enough to reuse (older ones are closed), if any. */
  private idleConnection(): Connection | undefined {
    const now = performance.now();
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (c.closed || c.outstanding > 0) continue;
      if (now - c.idleSince < REUSE_WITHIN_MS) return c;
      c.destroy();
    }
    return undefined;
  }

  /** Sends `p` on a connection with nothing outstanding, opened for it if need be. */
  sendAlone(p: Pending): void {
    (this.idleConnection() ?? this.connect()).send(p);
  }

  /** Sends `p` now if there is room, else queues it. */
  send(p: Pending): void {
    const c = this.waitingHead < this.waiting.length ? undefined : this.pick();
    if (c) {
      c.send(p);
      return;
    }
    p.waitTimer = setTimeout(() => this.expire(p), Math.max(0, p.deadline - performance.now()));
    this.waiting.push(p);
  }

  private expire(p: Pending): void {
    const at = this.waiting.indexOf(p, this.waitingHead);
    if (at < 0) return;
    this.waiting.splice(at, 1);
    p.reject(new HttpClientError('timeout', `no response within ${p.timeoutMs} ms: ${p.url}`));
  }

  /** Gives waiting requests the places freed on `c` (or on new connections when `c` is gone). */
  drain(c: Connection | undefined): void {
    // Not re-entered: `pick` may close a stale connection, which calls `gone`, which drains.
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.waitingHead < this.waiting.length) {
        const target = c && !c.closed && c.outstanding < this.depth ? c : this.pick();
        if (!target) break;
        const p = this.waiting[this.waitingHead++] as Pending;
        clearTimeout(p.waitTimer);
        target.send(p);
      }
      if (this.waitingHead === this.waiting.length || this.waitingHead >= COMPACT_AT) {
        this.waiting.splice(0, this.waitingHead);
        this.waitingHead = 0;
      }
    } finally {
      this.draining = false;
    }
  }

  private connect(): Connection {
    const conn = new Connection(this);
    this.conns.push(conn);
    return conn;
  }

  /** Called by a connection once it has nothing outstanding. */
  becameIdle(c: Connection): void {
    c.idleSince = performance.now();
    this.idle.push(c);
  }

  /** Called by a connection once it is closed. */
  gone(c: Connection): void {
    const at = this.conns.indexOf(c);
    if (at >= 0) this.conns.splice(at, 1);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    this.drain(undefined);
  }

  /** Rejects every waiting request with `err`. */
  rejectWaiting(err: Error): void {
    const waiting = this.waiting.splice(this.waitingHead);
    this.waiting.length = 0;
    this.waitingHead = 0;
    for (const p of waiting) {
      clearTimeout(p.waitTimer);
      p.reject(err);
    }
  }
}

/**
 * One keep-alive connection. Invariant: `queue[queueHead..]` are the requests written (or about
 * to be written) and not yet answered, in the order of their answers.
 */
class Connection {
  private readonly socket: net.Socket;
  private readonly queue: Pending[] = [];
  private queueHead = 0;
  /** Bytes of an answer not complete yet (the rest of a read). */
  private buf: Buffer | undefined;
  /** The head of the answer in `buf`, once it is all there. */
  private head: Head | undefined;
  /** Requests issued this turn, not written yet. */
  private out = '';
  private flushing = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When `timer` fires (`performance.now()`). */
  private timerAt = Infinity;
  closed = false;
  /** When this connection last became idle (`performance.now()`). */
  idleSince = 0;

  private readonly pool: Pool;

  constructor(pool: Pool) {
    this.pool = pool;
    this.socket = net.connect({ host: pool.host, port: pool.port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) =>
      this.fail(new HttpClientError('connection_closed', err.message, { cause: err })),
    );
    this.socket.on('close', () =>
      this.fail(new HttpClientError('connection_closed', 'the server closed the connection')),
    );
  }

  get outstanding(): number {
    return this.queue.length - this.queueHead;
  }

  send(p: Pending): void {
    // A connection with requests outstanding keeps the process alive; an idle one does not.
    if (this.outstanding === 0) this.socket.ref();
    this.queue.push(p);
    this.out += p.request;
    if (!this.flushing) {
      this.flushing = true;
      // After the current microtasks: callers that issue their next request on an answer all
      // issue it in the same turn, and share one write.
      process.nextTick(() => this.flush());
    }
    if (p.deadline < this.timerAt) this.arm(p.deadline);
  }

  private flush(): void {
    this.flushing = false;
    if (this.closed || this.out.length === 0) return;
    const out = this.out;
    this.out = '';
    this.socket.write(out, 'latin1');
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, at - performance.now()));
  }

  /** Rejects the first request past its deadline (and the rest), or re-arms for the next one. */
  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const p = this.queue[i] as Pending;
      if (p.deadline <= now) {
        const err = new HttpClientError('timeout', `no response within ${p.timeoutMs} ms: ${p.url}`);
        this.fail(
          new HttpClientError('connection_closed', 'a request ahead on the connection timed out', {
            cause: err,
          }),
          p,
          err,
        );
        return;
      }
      next = Math.min(next, p.deadline);
    }
    if (next < Infinity) this.arm(next);
  }

  private onData(chunk: Buffer): void {
    let buf = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
    let at = 0;
    try {
      while (at < buf.length) {
        const p = this.queue[this.queueHead];
        if (!p) throw new HttpClientError('bad_response', 'bytes arrived with no request outstanding');
        const head = this.head ?? parseHead(buf, at);
        if (!head) break;
        this.head = head;
        const from = at + head.size;
        let body: Buffer;
        let end: number;
        if (head.chunked) {
          const c = parseChunked(buf, from);
          if (!c) break;
          ({ body, end } = c);
        } else if (head.length !== undefined) {
          end = from + head.length;
          if (buf.length < end) break;
          body = buf.subarray(from, end);
        } else {
          throw new HttpClientError(
            'bad_response',
            'a response without a length (read to close) is not supported',
          );
        }
        at = end;
        this.head = undefined;
        this.queue[this.queueHead++] = undefined as never;
        if (this.queueHead === this.queue.length || this.queueHead >= COMPACT_AT) {
          this.queue.splice(0, this.queueHead);
          this.queueHead = 0;
        }
        p.resolve(new Answer(head.status, body));
        if (head.close) {
          this.fail(new HttpClientError('connection_closed', 'the server closed the connection'));
          return;
        }
      }
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (at < buf.length) {
      // Keep the unparsed rest; the head, if parsed, is re-based to its start.
      buf = buf.subarray(at);
      this.buf = buf;
    } else {
      this.buf = undefined;
    }
    if (this.outstanding === 0) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      this.socket.unref();
      this.pool.becameIdle(this);
    }
    if (this.pool.waiting.length > 0) this.pool.drain(this);
  }

  /**
   * Ends this connection; every request outstanding on it rejects with `err`, except `first`,
   * which rejects with `firstErr`.
   */
  fail(err: Error, first?: Pending, firstErr?: Error): void {
    const left = this.queue.splice(this.queueHead);
    this.queue.length = 0;
    this.queueHead = 0;
    this.destroy();
    for (const p of left) p.reject(p === first && firstErr ? firstErr : err);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket.destroy();
    this.pool.gone(this);
  }
}

export class HttpClient {
  private readonly pools = new Map<string, Pool>();
  private readonly maxConnections: number;
  private readonly depth: number;

  constructor(options: HttpClientOptions = {}) {
    this.maxConnections = options.connections ?? Infinity;
    this.depth = options.pipeline ?? 1;
    if (!(this.maxConnections >= 1) || !(Number.isInteger(this.depth) && this.depth >= 1))
      throw new RangeError('connections and pipeline must be at least 1');
  }

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
    const bytes = Buffer.byteLength(body);
    head += `Content-Length: ${bytes}\r\n\r\n`;
    // Written as Latin-1: a body beyond ASCII is re-encoded as its UTF-8 bytes first.
    const ascii = bytes === body.length;
    const request = head + (ascii ? body : Buffer.from(body, 'utf8').toString('latin1'));
    const pool = this.pool(target);
    const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<HttpResponse>((resolve, reject) => {
      const p: Pending = {
        request,
        url,
        deadline: performance.now() + timeoutMs,
        timeoutMs,
        resolve,
        reject,
      };
      if (init.alone === true) pool.sendAlone(p);
      else pool.send(p);
    });
  }

  /** Closes every connection; requests still outstanding or waiting reject with `connection_closed`. */
  close(): Promise<void> {
    const err = new HttpClientError('connection_closed', 'the client was closed');
    for (const pool of this.pools.values()) {
      pool.rejectWaiting(err);
      for (const c of [...pool.conns]) c.fail(err);
    }
    this.pools.clear();
    return Promise.resolve();
  }

  private pool(target: URL): Pool {
    let pool = this.pools.get(target.host);
    if (!pool) {
      pool = new Pool(target.hostname, Number(target.port || 80), this.maxConnections, this.depth);
      this.pools.set(target.host, pool);
    }
    return pool;
  }
}
