// Limits of a node's web server, with small caps so the test stays quick: event streams per
// client (429) and in total (503), slots given back when a stream ends, connections per client
// (429, probes still answered), and a request whose body never finishes is cut by the request
// timeout without reaching the service. Clients are told apart by their loopback source address.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { it } from 'node:test';
import type { TestContext } from 'node:test';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import type { WebServerOptions } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from '../dispatch-web/memory-service.ts';

async function serve(
  t: TestContext,
  options: WebServerOptions,
): Promise<{ service: MemoryDispatchService; port: number }> {
  const service = new MemoryDispatchService();
  const app = createWebServer(service, options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const address = app.server.address();
  return { service, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

interface Opened {
  readonly req: ClientRequest;
  readonly res: IncomingMessage;
  readonly body: () => Promise<string>;
}

/** GET `path` from source address `from`; resolves on the response head (streams stay open). */
function get(port: number, path: string, from: string, socket?: Socket): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      localAddress: from,
      agent: false,
      ...(socket === undefined ? {} : { createConnection: () => socket }),
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const body = (): Promise<string> =>
        new Promise((done) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => done(text));
        });
      resolve({ req, res, body });
    });
    req.end();
  });
}

async function refusal(opened: Opened): Promise<{ status: number; code: string }> {
  const text = await opened.body();
  return {
    status: opened.res.statusCode ?? 0,
    code: (JSON.parse(text) as { error: { code: string } }).error.code,
  };
}

it('event streams: 429 beyond a client share, 503 beyond the total, and a closed stream frees its slot', async (t) => {
  // Clients go before the server closes (after-hooks run in order), so its close waits for none.
  const open: Opened[] = [];
  t.after(() => open.forEach((o) => o.req.destroy()));
  const { port } = await serve(t, { limits: { streamsPerClient: 2, streams: 3 } });
  const stream = async (from: string): Promise<Opened> => {
    const o = await get(port, '/api/events', from);
    if (o.res.statusCode === 200) open.push(o);
    return o;
  };
  assert.equal((await stream('127.0.0.2')).res.statusCode, 200);
  assert.equal((await stream('127.0.0.2')).res.statusCode, 200);
  assert.deepEqual(await refusal(await stream('127.0.0.2')), { status: 429, code: 'too_many_streams' });
  assert.equal((await stream('127.0.0.3')).res.statusCode, 200);
  assert.deepEqual(await refusal(await stream('127.0.0.4')), { status: 503, code: 'server_busy' });

  open.shift()?.req.destroy();
  // The slot comes back once the server sees the close; a hang guard, not a timing.
  for (let attempt = 0; ; attempt++) {
    const o = await stream('127.0.0.4');
    if (o.res.statusCode === 200) break;
    await o.body();
    assert.ok(attempt < 200, 'the closed stream never gave its slot back');
    await new Promise((r) => setTimeout(r, 25));
  }
});

it('connections: a client beyond its share gets 429 with Connection: close, while /livez is still answered', async (t) => {
  const idle: Socket[] = [];
  t.after(() => idle.forEach((s) => s.destroy()));
  const { service, port } = await serve(t, { limits: { connectionsPerClient: 2, connections: 100 } });
  const dial = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.5' }, () => resolve(s));
      s.on('error', reject);
      idle.push(s);
    });
  await dial();
  await dial();
  const over = await get(port, '/api/heroes', '127.0.0.5', await dial());
  assert.equal(over.res.headers.connection, 'close');
  assert.deepEqual(await refusal(over), { status: 429, code: 'too_many_connections' });
  const probe = await get(port, '/livez', '127.0.0.5', await dial());
  assert.equal(probe.res.statusCode, 200);
  await probe.body();
  // Another client is not affected.
  const other = await get(port, '/api/heroes', '127.0.0.6');
  assert.equal(other.res.statusCode, 200);
  await other.body();
  assert.equal(service.writes, 0);
});

it('a request whose body never completes is cut by the request timeout, and nothing is written', async (t) => {
  const { service, port } = await serve(t, { limits: { requestTimeoutMs: 500 } });
  const socket = connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (answer += d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    'POST /api/heroes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{"na',
  );
  const guard = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error('the slow request was never cut')), 30_000);
    timer.unref();
  });
  await Promise.race([closed, guard]);
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.equal(service.writes, 0);
});

it('over HTTPS too: a client beyond its share of connections gets 429', async (t) => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return t.skip('the openssl CLI is not installed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'https-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'k.pem',
      '-out',
      'c.pem',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  const cert = readFileSync(join(dir, 'c.pem'));
  const held: TLSSocket[] = [];
  t.after(() => held.forEach((s) => s.destroy()));
  const { port } = await serve(t, {
    https: { key: readFileSync(join(dir, 'k.pem')), cert },
    limits: { connectionsPerClient: 1, connections: 100 },
  });
  const dial = (): Promise<TLSSocket> =>
    new Promise((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: cert }, () => resolve(s));
      s.on('error', reject);
      held.push(s);
    });
  await dial();
  const over = await dial();
  let answer = '';
  over.setEncoding('utf8');
  over.on('data', (d: string) => (answer += d));
  const ended = new Promise<void>((resolve) => over.once('end', () => resolve()));
  over.write('GET /api/heroes HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  await ended;
  assert.match(answer, /^HTTP\/1\.1 429/);
  assert.match(answer, /"too_many_connections"/);
});
