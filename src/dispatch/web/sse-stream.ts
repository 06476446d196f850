/**
 * SseStream: one server-sent-events response. Writes the headers, events and `:` heartbeats, and
 * ends exactly once, whoever ends it first (the client, a failed write, or the server's shutdown).
 *
 * ```ts
 * reply.hijack();
 * const stream = new SseStream(reply.raw, { heartbeatMs: 15_000, retryMs: 1_000 });
 * stream.onClose(() => unsubscribe());
 * stream.send('hero', JSON.stringify(event));
 * stream.close(); // e.g. from the server's preClose hook
 * ```
 *
 * Events sent in one turn of the event loop leave in one socket write (at the next `setImmediate`):
 * a node emitting thousands of hero changes a second costs one write per turn, not one per event.
 *
 * Back-pressure: `backedUp` is true while more than `maxBufferedBytes` wait in the socket's buffer;
 * callers that cannot coalesce should then `close()` the stream (the client reconnects and
 * resynchronises) rather than queue without bound.
 *
 * When not to use: for request/response traffic; for bidirectional channels use a WebSocket.
 */
import type { ServerResponse } from 'node:http';

export interface SseStreamOptions {
  /** Comment line interval keeping proxies and idle timers from cutting the stream. Default 15,000 ms. */
  readonly heartbeatMs?: number;
  /** Reconnect delay the browser should use after the stream ends. Default 1,000 ms: fast recovery after a node restart. */
  readonly retryMs?: number;
  /** Socket buffer above which the stream counts as backed up. Default 1 MiB: a few full-table snapshots. */
  readonly maxBufferedBytes?: number;
}

export class SseStream {
  readonly #res: ServerResponse;
  readonly #maxBuffered: number;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #closeListeners: (() => void)[] = [];
  #closed = false;
  /** Events of this turn, not yet written. */
  #pending = '';
  #flushScheduled = false;

  constructor(res: ServerResponse, options: SseStreamOptions = {}) {
    this.#res = res;
    this.#maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.flushHeaders();
    this.#write(`retry: ${Math.max(0, Math.round(options.retryMs ?? 1000))}\n\n`);
    this.#heartbeat = setInterval(() => this.#write(':\n\n'), options.heartbeatMs ?? 15_000);
    this.#heartbeat.unref();
    res.on('close', () => this.#finish());
    res.on('error', () => this.#finish());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get backedUp(): boolean {
    return this.#res.writableLength + this.#pending.length > this.#maxBuffered;
  }

  /** Sends one event; multi-line data becomes several `data:` lines, as the format requires. */
  send(event: string, data: string): void {
    if (this.#closed) return;
    const lines = data.split(/\r\n|\r|\n/);
    let frame = `event: ${event.replace(/[\r\n]/g, '')}\n`;
    for (const line of lines) frame += `data: ${line}\n`;
    this.#pending += `${frame}\n`;
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Runs once, when the stream ends for any reason. */
  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#closeListeners.push(listener);
  }

  /** Resolves once the socket can take more; immediately if closed or not backed up. */
  drained(): Promise<void> {
    if (this.#closed || !this.#res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#res.off('drain', done);
        resolve();
      };
      this.#res.on('drain', done);
      this.onClose(done);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#res.end();
    this.#finish();
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pending === '') return;
    const chunk = this.#pending;
    this.#pending = '';
    this.#write(chunk);
  }

  #write(chunk: string): void {
    if (this.#closed) return;
    try {
      this.#res.write(chunk);
    } catch {
      this.#finish();
    }
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = '';
    clearInterval(this.#heartbeat);
    if (!this.#res.writableEnded) this.#res.end();
    for (const listener of this.#closeListeners.splice(0)) listener();
  }
}
