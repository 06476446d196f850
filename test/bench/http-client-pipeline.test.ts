import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { HttpClient, HttpClientError, type HttpResponse } from '../../bench/lib/http-client.ts';

const isCode =
  (code: string) =>
  (err: unknown): boolean =>
    err instanceof HttpClientError && err.code === code;

/** The settled outcome of a request: its body, or its error code. */
async function outcome(p: Promise<HttpResponse>): Promise<string> {
  try {
    return (await p).text();
  } catch (err) {
    return err instanceof HttpClientError ? `error: ${err.code}` : `other: ${String(err)}`;
  }
}

/**
 * A raw TCP server. `onRequests(socket, n, raw)` runs whenever a read completes more requests
 * (they carry no body), with how many are complete on that socket so far and every byte read.
 */
async function rawServer(
  onRequests: (socket: net.Socket, complete: number, raw: string) => void,
): Promise<{ url: string; reads: string[]; close: () => Promise<void> }> {
  const reads: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let raw = '';
    let seen = 0;
    socket.on('data', (d: Buffer) => {
      reads.push(d.toString('latin1'));
      raw += d.toString('latin1');
      const complete = raw.split('\r\n\r\n').length - 1;
      if (complete > seen) {
        seen = complete;
        onRequests(socket, complete, raw);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client of one connection with up to `pipeline` requests on it, closed with `server` after the test. */
function oneConnection(t: TestContext, server: { close: () => Promise<void> }, pipeline: number): HttpClient {
  const http = new HttpClient({ connections: 1, pipeline });
  t.after(async () => {
    await http.close();
    await server.close();
  });
  return http;
}

const ok = (body: string): string => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const chunked = (...parts: string[]): string =>
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
  parts.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join('') +
  '0\r\n\r\n';

test('pipelined against node:http: answers completed in reverse order still reach their own requests', async (t) => {
  const held: Array<() => void> = [];
  let connections = 0;
  const server = createServer((req, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      held.push(() => res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body));
      // Eight requests can only be here at once if each connection carries four.
      if (held.length === 8) for (const answer of held.reverse()) answer();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
  const http = new HttpClient({ connections: 2, pipeline: 4 });
  t.after(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const bodies = Array.from({ length: 8 }, (_, i) => `request ${i} ✓`);
  const answers = await Promise.all(bodies.map((body) => http.request(url, { method: 'POST', body })));
  assert.deepEqual(
    answers.map((a) => a.text()),
    bodies,
  );
  assert.equal(connections, 2);
});

test('requests beyond connections × pipeline wait for a free place and are all answered', async (t) => {
  let connections = 0;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': Buffer.byteLength(req.url ?? '') }).end(req.url);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const http = new HttpClient({ connections: 1, pipeline: 2 });
  t.after(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => http.request(`${base}/${i}`)));
  assert.deepEqual(
    answers.map((a) => a.text()),
    Array.from({ length: 9 }, (_, i) => `/${i}`),
  );
  assert.equal(connections, 1);
});

test('requests issued together leave in one write; several answers in one read each reach their request', async (t) => {
  const server = await rawServer((socket, complete) => {
    if (complete === 3) socket.write(ok('first') + chunked('sec', 'ond') + ok('third'));
  });
  const http = oneConnection(t, server, 3);
  const answers = await Promise.all(['/a', '/b', '/c'].map((p) => http.request(`${server.url}${p}`)));
  assert.deepEqual(
    answers.map((a) => a.text()),
    ['first', 'second', 'third'],
  );
  assert.equal(server.reads.length, 1, 'the three requests arrived in one read');
  assert.deepEqual(
    [...(server.reads[0] ?? '').matchAll(/^GET (\S+) HTTP\/1\.1/gm)].map((m) => m[1]),
    ['/a', '/b', '/c'],
  );
});

test('answers split across writes, one byte at a time, are put back together', async (t) => {
  const server = await rawServer((socket, complete) => {
    if (complete < 3) return;
    const bytes = Buffer.from(ok('one') + chunked('t', 'w', 'o') + ok(''));
    let i = 0;
    const next = (): void => {
      if (i < bytes.length) socket.write(bytes.subarray(i, ++i), () => setImmediate(next));
    };
    next();
  });
  const http = oneConnection(t, server, 3);
  const answers = await Promise.all(['/1', '/2', '/3'].map((p) => http.request(`${server.url}${p}`)));
  assert.deepEqual(
    answers.map((a) => [a.status, a.text()]),
    [
      [200, 'one'],
      [200, 'two'],
      [200, ''],
    ],
  );
});

test('a connection closed with three requests outstanding rejects all three with connection_closed', async (t) => {
  const server = await rawServer((socket, complete) => {
    if (complete === 3) socket.destroy();
  });
  const http = oneConnection(t, server, 3);
  const outcomes = await Promise.all([1, 2, 3].map((i) => outcome(http.request(`${server.url}/${i}`))));
  assert.deepEqual(outcomes, Array(3).fill('error: connection_closed'));
});

test('Connection: close on the first of three answers: it resolves, the two behind it reject', async (t) => {
  const server = await rawServer((socket, complete) => {
    if (complete === 3) socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nlast');
  });
  const http = oneConnection(t, server, 3);
  const outcomes = await Promise.all([1, 2, 3].map((i) => outcome(http.request(`${server.url}/${i}`))));
  assert.deepEqual(outcomes, ['last', 'error: connection_closed', 'error: connection_closed']);
});

test('a malformed answer rejects every request outstanding on the connection with bad_response', async (t) => {
  const server = await rawServer((socket, complete) => {
    if (complete === 2) socket.write('SSH-2.0-nonsense\r\n\r\n');
  });
  const http = oneConnection(t, server, 2);
  const outcomes = await Promise.all([1, 2].map((i) => outcome(http.request(`${server.url}/${i}`))));
  assert.deepEqual(outcomes, ['error: bad_response', 'error: bad_response']);
});

test('a request not answered in time rejects with timeout; those behind it with connection_closed', async (t) => {
  const server = await rawServer(() => {}); // reads, never answers
  const http = oneConnection(t, server, 3);
  const first = http.request(`${server.url}/1`, { timeoutMs: 20 });
  const behind = [2, 3].map((i) => http.request(`${server.url}/${i}`, { timeoutMs: 60_000 }));
  await assert.rejects(first, isCode('timeout'));
  for (const p of behind)
    await assert.rejects(
      p,
      (err: unknown) => isCode('connection_closed')(err) && isCode('timeout')((err as Error).cause),
    );
});

test('a request waiting for a place on a full connection times out from its call', async (t) => {
  const server = await rawServer(() => {}); // reads, never answers
  const http = oneConnection(t, server, 1);
  const first = http.request(`${server.url}/1`, { timeoutMs: 60_000 });
  const waiting = http.request(`${server.url}/2`, { timeoutMs: 20 });
  const settled = outcome(first);
  // The waiting request gets a place only once the first is gone: close the client to end it.
  await assert.rejects(waiting, isCode('timeout'));
  await http.close();
  assert.equal(await settled, 'error: connection_closed');
});

test('closing the client rejects waiting and outstanding requests with connection_closed', async (t) => {
  const server = await rawServer(() => {});
  const http = new HttpClient({ connections: 1, pipeline: 1 });
  t.after(() => server.close());
  const requests = [1, 2].map((i) => outcome(http.request(`${server.url}/${i}`)));
  await new Promise((resolve) => setImmediate(resolve));
  await http.close();
  assert.deepEqual(await Promise.all(requests), ['error: connection_closed', 'error: connection_closed']);
});

test('options below one are refused', () => {
  assert.throws(() => new HttpClient({ pipeline: 0 }), RangeError);
  assert.throws(() => new HttpClient({ connections: 0 }), RangeError);
});
