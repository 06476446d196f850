// A minimal server-sent-events client over node:http for tests: parses frames as they arrive and
// lets a test wait for the next event matching a predicate.
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';

export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly response: IncomingMessage;
  /** Every event so far, in order. */
  readonly events: SseEvent[];
  /** Comment lines (heartbeats) seen so far. */
  readonly comments: () => number;
  /** Resolves with the first event at index ≥ `from` matching `match`; rejects after `timeoutMs`. */
  next(match: (e: SseEvent) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export function openSse(url: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream' } }, (response) => {
      const events: SseEvent[] = [];
      let comments = 0;
      let buffer = '';
      const waiters = new Set<() => void>();
      const ended = new Promise<void>((done) => {
        response.on('end', done);
        response.on('close', done);
        response.on('error', () => done());
      });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          const data: string[] = [];
          let isComment = false;
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) isComment = true;
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: data.join('\n') });
          else if (isComment) comments++;
          cut = buffer.indexOf('\n\n');
        }
        for (const wake of [...waiters]) wake();
      });
      resolve({
        response,
        events,
        comments: () => comments,
        ended,
        next(match, options = {}) {
          const from = options.from ?? 0;
          const timeoutMs = options.timeoutMs ?? 5000;
          return new Promise((found, fail) => {
            const check = (): boolean => {
              const hit = events.slice(from).find(match);
              if (hit === undefined) return false;
              cleanup();
              found(hit);
              return true;
            };
            const timer = setTimeout(() => {
              cleanup();
              fail(
                new Error(
                  `no matching SSE event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`,
                ),
              );
            }, timeoutMs);
            const cleanup = (): void => {
              clearTimeout(timer);
              waiters.delete(wake);
            };
            const wake = (): void => {
              check();
            };
            waiters.add(wake);
            check();
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
