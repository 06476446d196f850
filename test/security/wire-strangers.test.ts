// What a stranger on the network can do to a node's mesh port: nothing without the cookie. A
// node started with a generated cookie refuses a peer with no cookie or with the old built-in
// public one, logs it clearly (rate-limited), and exposes nothing; a structured-clone frame
// closes the connection; unauthenticated sockets are capped; a short cookie stops a node at
// start with a typed error.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { TcpTransport } from '../../packages/runtime/src/cluster/transport/tcp-transport.ts';
import type { Connection } from '../../packages/runtime/src/cluster/transport/types.ts';
import { captureLogs, waitFor } from '../../packages/runtime/src/testing/conformance/transport.ts';
import { encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { CookieTooShortError } from '../../packages/runtime/src/wire/errors.ts';
import { encodeFrame } from '../../packages/runtime/src/wire/frame.ts';
import { NONCE_BYTES } from '../../packages/runtime/src/wire/handshake-proof.ts';
import {
  FIRST_APPLICATION_MESSAGE_TYPE,
  MessageType,
} from '../../packages/runtime/src/wire/message-types.ts';
import { rawConnect, rawHandshake } from '../transport/raw-peer.ts';

const APP = FIRST_APPLICATION_MESSAGE_TYPE;
const TYPES = new Set([...Object.values(MessageType), APP]);
/** The cookie every node used when none was given, before cookies were generated. */
const OLD_PUBLIC_COOKIE = 'secret_superhero_cookie';
/** 20 bytes: structured-clone id 0 on an array holding a pointer to id 0 — a cycle. */
const STRUCTURED_CLONE_CYCLE = Uint8Array.from([0xd6, 0x69, 0, 0, 0, 0, 0x91, 0xd6, 0x70, 0, 0, 0, 0]);

function generatedCookie(): string {
  return randomBytes(32).toString('base64url');
}

describe('a node on the network, against strangers', () => {
  it('refuses a peer with the old public cookie: typed error, a clear log line, nothing exposed', async () => {
    const logs = captureLogs();
    const node = new TcpTransport({ name: 'node', cookie: generatedCookie(), logger: logs.logger });
    const stranger = new TcpTransport({ name: 'stranger', cookie: OLD_PUBLIC_COOKIE });
    let exposed = false;
    node.onConnection(() => (exposed = true));
    try {
      const address = await node.listen();
      await assert.rejects(stranger.connect(address), { code: 'ERR_HANDSHAKE_AUTH' });
      await waitFor(
        () => logs.records.some((r) => r['code'] === 'ERR_HANDSHAKE_AUTH'),
        5000,
        'the refusal logged',
      );
      const line = logs.records.find((r) => r['code'] === 'ERR_HANDSHAKE_AUTH')!;
      assert.match(String(line['msg']), /wrong cookie/);
      assert.equal(exposed, false);
    } finally {
      await Promise.all([stranger.close(), node.close()]);
    }
  });

  it('refuses a peer without the cookie (a guessed proof), and rate-limits the log lines of a flood', async () => {
    const logs = captureLogs();
    const node = new TcpTransport({ name: 'node', cookie: generatedCookie(), logger: logs.logger });
    let exposed = false;
    node.onConnection(() => (exposed = true));
    const attempts = 40;
    try {
      const address = await node.listen();
      for (let i = 0; i < attempts; i++) {
        // Without the cookie a peer can only send a Hello and then a proof it made up.
        const raw = await rawConnect(address);
        const hello = {
          v: 1,
          name: `stranger${i}@10.9.9.9:1`,
          incarnation: 'x',
          nonce: randomBytes(NONCE_BYTES),
        };
        raw.write(encodeFrame(MessageType.HandshakeHello, encodePayload(hello)));
        raw.write(encodeFrame(MessageType.HandshakeProof, encodePayload({ mac: randomBytes(32) })));
        await raw.closed;
      }
      const refusals = () => logs.records.filter((r) => r['code'] === 'ERR_HANDSHAKE_AUTH');
      assert.ok(refusals().length >= 1, 'no refusal was logged');
      assert.ok(refusals().length < attempts, `${refusals().length} lines for ${attempts} attempts`);
      await node.close();
      // Every refusal is either a line of its own or counted in a later one.
      const counted = logs.records.reduce(
        (n, r) =>
          n +
          (r['code'] === 'ERR_HANDSHAKE_AUTH' ? 1 : 0) +
          (typeof r['suppressed'] === 'number' ? r['suppressed'] : 0),
        0,
      );
      assert.equal(counted, attempts);
      assert.equal(exposed, false);
    } finally {
      await node.close();
    }
  });

  it('closes an authenticated connection that sends a structured-clone frame, and keeps serving', async () => {
    const logs = captureLogs();
    const cookie = generatedCookie();
    const node = new TcpTransport({ name: 'node', cookie, logger: logs.logger, messageTypes: TYPES });
    const received: unknown[] = [];
    node.onConnection((conn: Connection) => conn.onMessage((_type, payload) => received.push(payload)));
    try {
      const address = await node.listen();
      const raw = await rawHandshake(address, cookie, { name: 'peer@127.0.0.1:1', incarnation: 'p' });
      raw.write(encodeFrame(APP, encodePayload('before')));
      raw.write(encodeFrame(APP, STRUCTURED_CLONE_CYCLE));
      raw.write(encodeFrame(APP, encodePayload('after')));
      await raw.closed;
      await waitFor(
        () => logs.records.some((r) => r['code'] === 'ERR_PAYLOAD_EXTENSION'),
        5000,
        'the close logged with its code',
      );
      assert.deepEqual(received, ['before']);
      // The same bytes in a Hello end the handshake.
      const stranger = await rawConnect(address);
      stranger.write(encodeFrame(MessageType.HandshakeHello, STRUCTURED_CLONE_CYCLE));
      await stranger.closed;
      // And the node still serves a good peer.
      const good = await rawHandshake(address, cookie, { name: 'good@127.0.0.1:2', incarnation: 'g' });
      good.write(encodeFrame(APP, encodePayload('hello')));
      await waitFor(() => received.includes('hello'), 5000, 'a good message after the bad ones');
      good.socket.destroy();
    } finally {
      await node.close();
    }
  });

  it('caps connections still in their handshake: one more is closed at once, and logged', async () => {
    const logs = captureLogs();
    const cookie = generatedCookie();
    const node = new TcpTransport({
      name: 'node',
      cookie,
      logger: logs.logger,
      maxPendingHandshakes: 3,
      handshakeTimeoutMs: 60_000, // so only the cap can close the extra socket
    });
    const silent = [];
    try {
      const address = await node.listen();
      for (let i = 0; i < 3; i++) silent.push(await rawConnect(address));
      const extra = await rawConnect(address);
      await extra.closed;
      assert.ok(logs.records.some((r) => r['code'] === 'ERR_TOO_MANY_HANDSHAKES'));
      for (const raw of silent) raw.socket.destroy();
      await Promise.all(silent.map((raw) => raw.closed));
      await waitFor(
        () => logs.records.filter((r) => r['msg'] === 'handshake failed').length >= 3,
        5000,
        'slots freed',
      );
      const good = await rawHandshake(address, cookie, { name: 'good@127.0.0.1:2', incarnation: 'g' });
      good.socket.destroy();
    } finally {
      for (const raw of silent) raw.socket.destroy();
      await node.close();
    }
  });

  it('stops a node at start with CookieTooShortError for a cookie under 16 bytes or none', async () => {
    for (const cookie of ['', 'secret', '15-bytes-cookie']) {
      await assert.rejects(startNode({ name: 'weak', cookie }), (err: unknown) => {
        assert.ok(err instanceof CookieTooShortError);
        assert.equal(err.code, 'ERR_COOKIE_TOO_SHORT');
        return true;
      });
    }
  });
});
