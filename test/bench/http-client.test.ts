import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient, HttpClientError, parseChunked, parseHead } from '../../bench/lib/http-client.ts';

async function serve(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => handler(req, body, res));
  });
  server.on('connection', () => connections++);
  // Idle keep-alive connections stay open until the client closes them.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test('requests carry method, path, headers and a UTF-8 body; answers with a length or chunked are read whole', async (t) => {
  const server = await serve((req, body, res) => {
    const echo = JSON.stringify({
      method: req.method,
      url: req.url,
      type: req.headers['content-type'],
      body,
    });
    if (req.url?.startsWith('/chunked')) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write(echo.slice(0, 5));
      setImmediate(() => res.end(echo.slice(5)));
    } else {
      res.writeHead(200, { 'content-length': Buffer.byteLength(echo) }).end(echo);
    }
  });
  const http = new HttpClient();
  t.after(async () => {
    await http.close();
    await server.close();
  });
  const put = await http.request(`${server.url}/kv/t/k%2F1?x=1`, {
    method: 'PUT',
    body: '"héllo ✓"',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(put.status, 200);
  assert.deepEqual(put.json(), {
    method: 'PUT',
    url: '/kv/t/k%2F1?x=1',
    type: 'application/json',
    body: '"héllo ✓"',
  });
  const chunked = await http.request(`${server.url}/chunked`);
  assert.equal(chunked.status, 201);
  assert.deepEqual(chunked.json(), { method: 'GET', url: '/chunked', body: '' });
});

test('connections are kept alive and reused: 64 callers doing 20 requests each open 64 connections', async (t) => {
  const server = await serve((_req, body, res) =>
    res.writeHead(200, { 'content-length': body.length }).end(body),
  );
  const http = new HttpClient();
  t.after(async () => {
    await http.close();
    await server.close();
  });
  const answers = await Promise.all(
    Array.from({ length: 64 }, async (_, caller) => {
      const got: string[] = [];
      for (let i = 0; i < 20; i++)
        got.push((await http.request(server.url, { method: 'POST', body: `${caller}.${i}` })).text());
      return got;
    }),
  );
  assert.deepEqual(
    answers,
    Array.from({ length: 64 }, (_, caller) => Array.from({ length: 20 }, (_, i) => `${caller}.${i}`)),
  );
  assert.equal(server.connections(), 64);
});

test('a server that closes the connection: the request rejects with connection_closed, the next one reconnects', async (t) => {
  let first = true;
  const server = await serve((req, _body, res) => {
    if (first) {
      first = false;
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-length': 2 }).end('ok');
  });
  const http = new HttpClient();
  t.after(async () => {
    await http.close();
    await server.close();
  });
  await assert.rejects(
    http.request(server.url),
    (err: unknown) => err instanceof HttpClientError && err.code === 'connection_closed',
  );
  assert.equal((await http.request(server.url)).text(), 'ok');
  assert.equal(server.connections(), 2);
});

test('Connection: close in an answer closes that connection after it is read', async (t) => {
  const server = await serve((_req, _body, res) =>
    res.writeHead(200, { 'content-length': 1, connection: 'close' }).end('x'),
  );
  const http = new HttpClient();
  t.after(async () => {
    await http.close();
    await server.close();
  });
  for (let i = 0; i < 3; i++) assert.equal((await http.request(server.url)).text(), 'x');
  assert.equal(server.connections(), 3);
});

test('a server that never answers: the request rejects with timeout', async (t) => {
  const silent = net.createServer((socket) => socket.resume()); // reads, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const http = new HttpClient();
  t.after(async () => {
    await http.close();
    await new Promise((resolve) => silent.close(resolve));
  });
  await assert.rejects(
    http.request(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, { timeoutMs: 50 }),
    (err: unknown) => err instanceof HttpClientError && err.code === 'timeout',
  );
});

test('the parsers wait for whole messages and refuse malformed ones', () => {
  const head = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
  assert.equal(parseHead(head.subarray(0, 20)), undefined);
  assert.deepEqual(parseHead(head), { status: 200, size: 38, length: 3, chunked: false, close: false });
  assert.throws(() => parseHead(Buffer.from('SSH-2.0\r\n\r\n')), HttpClientError);
  assert.throws(
    () => parseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')),
    HttpClientError,
  );
  const chunks = Buffer.from('3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
  assert.equal(parseChunked(chunks.subarray(0, chunks.length - 1), 0), undefined);
  const whole = parseChunked(chunks, 0);
  assert.equal(whole?.body.toString(), 'abcde');
  assert.equal(whole?.end, chunks.length);
  assert.throws(() => parseChunked(Buffer.from('zz\r\n'), 0), HttpClientError);
});

test('only http: URLs are accepted', async () => {
  const http = new HttpClient();
  await assert.rejects(
    http.request('https://example.com/'),
    (e: unknown) => (e as HttpClientError).code === 'bad_url',
  );
  await assert.rejects(http.request('nonsense'), (e: unknown) => (e as HttpClientError).code === 'bad_url');
});

test(
  'an answer being awaited keeps the process alive; an idle connection does not',
  { timeout: 120_000 },
  async (t) => {
    const server = await serve((_req, _body, res) => {
      // Answered a little later: only the request outstanding keeps the client's process alive meanwhile.
      setTimeout(() => res.writeHead(200, { 'content-length': 2 }).end('ok'), 300);
    });
    t.after(() => server.close());
    const dir = mkdtempSync(join(tmpdir(), 'http-client-ref-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'client.mts');
    const client = new URL('../../bench/lib/http-client.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { HttpClient } from ${JSON.stringify(client)};\n` +
        `const res = await new HttpClient().request(${JSON.stringify(`${server.url}/slow`)});\n` +
        `console.log(res.status, res.text());\n`,
    );
    // The server never closes an idle connection: the child exits only if it does not wait for it.
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.equal(out.trim(), '200 ok');
  },
);
