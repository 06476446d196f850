// A node's web server while it shuts down: a request that arrives then (here, pipelined behind one
// still being received) is answered 503 in the API's error shape, with Retry-After and Connection:
// close, not with the framework's own body; the request already in progress completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from './memory-service.ts';
import { errorOf } from './helpers.ts';

test('a request arriving while the server closes gets 503 unavailable in the API error shape', async () => {
  const service = new MemoryDispatchService({ seed: 3 });
  const app = createWebServer(service);
  let arrived!: () => void;
  const headersIn = new Promise<void>((resolve) => (arrived = resolve));
  app.addHook('onRequest', async () => arrived());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;

  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  // A create whose body is still on its way: the connection is busy, so closing keeps it open.
  const body = JSON.stringify({ name: 'Captain Falcon' });
  socket.write(
    `POST /api/heroes HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
  );
  socket.write(body.slice(0, 5));
  await headersIn; // the server has the create's headers: it is in progress
  const closed = app.close();
  await new Promise((r) => setImmediate(r));
  // The rest of the body, and a second request pipelined behind it.
  socket.write(body.slice(5));
  socket.write('GET /api/heroes HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
  await ended;
  await closed;

  const answers = received.split(/(?=HTTP\/1\.1 )/);
  assert.equal(answers.length, 2, received);
  assert.match(answers[0]!, /^HTTP\/1\.1 201 /, 'the create in progress completes');
  assert.match(answers[1]!, /^HTTP\/1\.1 503 /);
  assert.match(answers[1]!, /\r\nretry-after: 1\r\n/i);
  assert.match(answers[1]!, /\r\nconnection: close\r\n/i);
  const error = errorOf(answers[1]!.slice(answers[1]!.indexOf('\r\n\r\n') + 4));
  assert.equal(error.code, 'unavailable');
  assert.match(error.message, /shutting down/);
  assert.equal((await service.listHeroes()).length, 1, 'the one create, nothing else');
});
