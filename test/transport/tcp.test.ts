// TCP-specific behaviour: strangers and bytes before the handshake, coalesced writes, naming,
// and mutual TLS with certificates made by the openssl CLI for this test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TcpTransport } from '../../packages/runtime/src/cluster/transport/tcp-transport.ts';
import type { TcpTlsOptions } from '../../packages/runtime/src/cluster/transport/tcp-transport.ts';
import type { FramedConnection } from '../../packages/runtime/src/cluster/transport/framed-connection.ts';
import type { Connection, PeerAddress } from '../../packages/runtime/src/cluster/transport/types.ts';
import { encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { encodeFrame, WIRE_VERSION } from '../../packages/runtime/src/wire/frame.ts';
import {
  FIRST_APPLICATION_MESSAGE_TYPE,
  MessageType,
} from '../../packages/runtime/src/wire/message-types.ts';
import { captureLogs, waitFor } from '../../packages/runtime/src/testing/conformance/transport.ts';
import { settlesWithin } from '../../packages/runtime/src/testing/hang-guard.ts';
import { rawConnect, rawHandshake } from './raw-peer.ts';

const APP = FIRST_APPLICATION_MESSAGE_TYPE;
const TYPES = new Set([...Object.values(MessageType), APP]);
const COOKIE = 'tcp-transport-test-cookie';

async function server(options: Partial<ConstructorParameters<typeof TcpTransport>[0]> = {}) {
  const logs = captureLogs();
  const transport = new TcpTransport({
    name: 'server',
    cookie: COOKIE,
    logger: logs.logger,
    messageTypes: TYPES,
    ...options,
  });
  const accepted: Connection[] = [];
  transport.onConnection((conn) => accepted.push(conn));
  const address = await transport.listen();
  return { transport, address, logs, accepted };
}

/**
 * A server and a client connected to it: runs `work` with the client's connection, the server's
 * accepted end and the server's address, then closes both transports.
 */
async function connected(
  work: (c: { conn: FramedConnection; peer: Connection; address: PeerAddress }) => Promise<void>,
): Promise<void> {
  const { transport, address, accepted } = await server();
  const client = new TcpTransport({ name: 'client', cookie: COOKIE, messageTypes: TYPES });
  try {
    const conn = (await client.connect(address)) as FramedConnection;
    await waitFor(() => accepted.length === 1, 10_000, 'the accepted connection');
    await work({ conn, peer: accepted[0]!, address });
  } finally {
    await Promise.all([client.close(), transport.close()]);
  }
}

describe('TCP transport', () => {
  it('names itself name@advertiseHost:boundPort', async () => {
    const t = new TcpTransport({ name: 'gotham', cookie: COOKIE, advertiseHost: 'gotham.local' });
    try {
      const address = await t.listen();
      assert.ok(address.port > 0);
      assert.equal(t.localName, `gotham@gotham.local:${address.port}`);
    } finally {
      await t.close();
    }
  });

  it('rejects listen on a port in use with ListenError', async () => {
    const { transport, address } = await server();
    const second = new TcpTransport({ name: 'second', cookie: COOKIE, port: address.port });
    try {
      await assert.rejects(second.listen(), { code: 'ERR_LISTEN_FAILED' });
    } finally {
      await Promise.all([transport.close(), second.close()]);
    }
  });

  it('closes and logs a connection that sends an application frame before the handshake', async () => {
    const { transport, address, logs, accepted } = await server();
    try {
      const raw = await rawConnect(address);
      raw.write(encodeFrame(APP, encodePayload({ sneaky: true })));
      await raw.closed;
      await waitFor(
        () => logs.records.some((r) => r['code'] === 'ERR_HANDSHAKE_PROTOCOL'),
        10_000,
        'the log line',
      );
      assert.equal(accepted.length, 0);
    } finally {
      await transport.close();
    }
  });

  it('closes a connection announcing a frame over 4 KiB before the handshake, without waiting for it', async () => {
    const { transport, address, logs } = await server();
    try {
      const raw = await rawConnect(address);
      raw.write(Uint8Array.from([0x00, 0x01, 0x00, 0x00, WIRE_VERSION, MessageType.HandshakeHello]));
      await raw.closed;
      assert.ok(logs.records.some((r) => r['code'] === 'ERR_FRAME_TOO_LARGE'));
    } finally {
      await transport.close();
    }
  });

  it('closes a silent stranger after the handshake timeout', async () => {
    const { transport, address, logs } = await server({ handshakeTimeoutMs: 200 });
    try {
      const raw = await rawConnect(address);
      await settlesWithin(raw.closed, 30_000, 'the silent connection closing');
      // The timeout closed it, and nothing else did.
      assert.deepEqual(
        logs.records.map((r) => r['code']).filter((code) => code !== undefined),
        ['ERR_HANDSHAKE_TIMEOUT'],
      );
    } finally {
      await transport.close();
    }
  });

  it('closes a connection that repeats a handshake message after authentication', async () => {
    const { transport, address, logs, accepted } = await server();
    try {
      const raw = await rawHandshake(address, COOKIE, { name: 'raw@127.0.0.1:1', incarnation: 'r1' });
      await waitFor(() => accepted.length === 1, 10_000, 'the accepted connection');
      const reason = new Promise<Error | undefined>((resolve) => accepted[0]!.onClose(resolve));
      raw.write(encodeFrame(MessageType.HandshakeHello, encodePayload({})));
      assert.equal(((await reason) as Error & { code?: string }).code, 'ERR_HANDSHAKE_PROTOCOL');
      await raw.closed;
      assert.ok(logs.records.some((r) => r['code'] === 'ERR_HANDSHAKE_PROTOCOL'));
    } finally {
      await transport.close();
    }
  });

  it('reports a peer that vanishes without a goodbye as ConnectionLostError, and one that says goodbye as a clean close', async () => {
    const { transport, address, accepted } = await server();
    try {
      const crashing = await rawHandshake(address, COOKIE, {
        name: 'crashing@127.0.0.1:1',
        incarnation: 'c1',
      });
      await waitFor(() => accepted.length === 1, 10_000, 'the first connection');
      const lost = new Promise<Error | undefined>((resolve) => accepted[0]!.onClose(resolve));
      crashing.socket.destroy();
      assert.equal(((await lost) as Error & { code?: string }).code, 'ERR_CONNECTION_LOST');
      const leaving = await rawHandshake(address, COOKIE, { name: 'leaving@127.0.0.1:1', incarnation: 'l1' });
      await waitFor(() => accepted.length === 2, 10_000, 'the second connection');
      const clean = new Promise<Error | undefined>((resolve) => accepted[1]!.onClose(resolve));
      leaving.write(encodeFrame(MessageType.Goodbye, encodePayload({})));
      assert.equal(await clean, undefined);
      await leaving.closed;
    } finally {
      await transport.close();
    }
  });

  it('coalesces the sends of one task into one socket write, made before the next turn of the loop', async () => {
    await connected(async ({ conn, peer }) => {
      const got: unknown[] = [];
      peer.onMessage((_t, p) => got.push(p));
      const before = conn.stats.writes;
      for (let i = 0; i < 1000; i++) conn.send(APP, i);
      await Promise.resolve();
      assert.equal(
        conn.stats.writes - before,
        1,
        'written at the end of the task, not on a later turn of the loop',
      );
      await waitFor(() => got.length === 1000, 5000, 'all messages');
      assert.equal(conn.stats.writes - before, 1, 'one task of sends should be one write');
      assert.deepEqual(got.slice(0, 3), [0, 1, 2]);
    });
  });

  it('writes a burst of one task in 64 KiB pieces while it lasts, in order', async () => {
    await connected(async ({ conn, peer }) => {
      const got: unknown[] = [];
      peer.onMessage((_t, p) => got.push(p));
      const before = conn.stats.writes;
      const payload = 'x'.repeat(1000);
      for (let i = 0; i < 2000; i++) conn.send(APP, [i, payload]);
      const during = conn.stats.writes - before;
      // About 2 MB: some 30 writes of 64 KiB made before the task ends, the rest right after.
      assert.ok(during >= 25 && during <= 35, `${during} writes during the task`);
      await waitFor(() => got.length === 2000, 10_000, 'all messages');
      assert.ok(
        got.every((m, k) => Array.isArray(m) && m[0] === k && m[1] === payload),
        'out of order or damaged',
      );
    });
  });

  it('a dialled connection, reading into one reused buffer, receives frames split and packed every way intact', async () => {
    await connected(async ({ conn, peer }) => {
      const got: Buffer[] = [];
      conn.onMessage((_t, p) => got.push(p as Buffer));
      // Sizes around the 64 KiB read buffer: frames inside one read, across two, across many.
      const sizes = [
        1,
        10,
        65_530,
        65_536,
        3,
        200_000,
        7,
        1_000_000,
        ...Array.from({ length: 300 }, (_, i) => (i * 7919) % 3000),
      ];
      const sent = sizes.map((n, k) => Buffer.alloc(n, k % 251));
      for (const blob of sent) peer.send(APP, blob);
      await waitFor(() => got.length === sent.length, 10_000, 'every message');
      got.forEach((blob, k) => assert.ok(blob.equals(sent[k]!), `message ${k} (${sizes[k]} bytes) differs`));
    });
  });

  describe('with mutual TLS', () => {
    let dir = '';
    let skip: string | false = false;
    let goodA: TcpTlsOptions;
    let goodB: TcpTlsOptions;
    let rogue: TcpTlsOptions;

    before(() => {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
      } catch {
        skip = 'the openssl CLI is not installed, so no test certificates can be made';
        return;
      }
      dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
      const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      writeFileSync(
        join(dir, 'ext.cnf'),
        'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
      );
      const makeCa = (name: string) =>
        ossl(
          'req',
          '-x509',
          ...ec,
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.crt`,
          '-days',
          '1',
          '-subj',
          `/CN=${name}`,
        );
      const makeCert = (name: string, ca: string) => {
        ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
        ossl(
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          `${ca}.crt`,
          '-CAkey',
          `${ca}.key`,
          '-CAcreateserial',
          '-out',
          `${name}.crt`,
          '-days',
          '1',
          '-extfile',
          'ext.cnf',
        );
      };
      makeCa('ca');
      makeCa('rogue-ca');
      // Certificates name nodes (CN = node name): the transport binds the claimed name to them.
      makeCert('a', 'ca');
      makeCert('b', 'ca');
      makeCert('intruder', 'rogue-ca');
      const read = (file: string) => readFileSync(join(dir, file));
      goodA = { ca: read('ca.crt'), cert: read('a.crt'), key: read('a.key') };
      goodB = { ca: read('ca.crt'), cert: read('b.crt'), key: read('b.key') };
      rogue = { ca: read('ca.crt'), cert: read('intruder.crt'), key: read('intruder.key') };
    });

    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('connects nodes whose certificates the cluster CA signed, and carries messages', async (t) => {
      if (skip) return t.skip(skip);
      const a = new TcpTransport({ name: 'a', cookie: COOKIE, tls: goodA, messageTypes: TYPES });
      const b = new TcpTransport({ name: 'b', cookie: COOKIE, tls: goodB, messageTypes: TYPES });
      try {
        const inbound = new Promise<Connection>((resolve) => b.onConnection(resolve));
        const conn = await a.connect(await b.listen());
        const got = new Promise((resolve) => void inbound.then((c) => c.onMessage((_t, p) => resolve(p))));
        conn.send(APP, 'over tls');
        assert.equal(await got, 'over tls');
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('refuses a certificate from another CA on both sides, even with the right cookie', async (t) => {
      if (skip) return t.skip(skip);
      const logs = captureLogs();
      const b = new TcpTransport({ name: 'b', cookie: COOKIE, tls: goodB, logger: logs.logger });
      const intruder = new TcpTransport({ name: 'intruder', cookie: COOKIE, tls: rogue });
      try {
        let exposed = false;
        b.onConnection(() => (exposed = true));
        await assert.rejects(intruder.connect(await b.listen()), { code: 'ERR_CONNECT_FAILED' });
        await waitFor(() => logs.records.some((r) => r['code'] === 'ERR_TLS'), 10_000, 'the server-side log');
        assert.equal(exposed, false);
      } finally {
        await Promise.all([b.close(), intruder.close()]);
      }
    });

    it('refuses a peer whose certificate names another node than the one it claims, on both sides', async (t) => {
      if (skip) return t.skip(skip);
      const logs = captureLogs();
      const b = new TcpTransport({ name: 'b', cookie: COOKIE, tls: goodB, logger: logs.logger });
      // A valid certificate of node "a", used by a process that claims to be "c".
      const impostor = new TcpTransport({ name: 'c', cookie: COOKIE, tls: goodA, handshakeTimeoutMs: 2000 });
      try {
        let exposed = false;
        b.onConnection(() => (exposed = true));
        await assert.rejects(impostor.connect(await b.listen()));
        await waitFor(
          () => logs.records.some((r) => r['code'] === 'ERR_PEER_IDENTITY'),
          2000,
          'the listener refusing the claimed name',
        );
        assert.equal(exposed, false);
        // And the dialler refuses a listener that claims a name its certificate does not carry.
        const fakeB = new TcpTransport({ name: 'b', cookie: COOKIE, tls: goodA });
        const a = new TcpTransport({ name: 'a', cookie: COOKIE, tls: goodA });
        try {
          await assert.rejects(a.connect(await fakeB.listen()), { code: 'ERR_PEER_IDENTITY' });
        } finally {
          await Promise.all([fakeB.close(), a.close()]);
        }
      } finally {
        await Promise.all([b.close(), impostor.close()]);
      }
    });

    it('refuses a plain TCP client at a TLS listener', async (t) => {
      if (skip) return t.skip(skip);
      const b = new TcpTransport({ name: 'b', cookie: COOKIE, tls: goodB, handshakeTimeoutMs: 500 });
      const plain = new TcpTransport({ name: 'plain', cookie: COOKIE, handshakeTimeoutMs: 500 });
      try {
        await assert.rejects(plain.connect(await b.listen()), { code: 'ERR_CONNECT_FAILED' });
      } finally {
        await Promise.all([b.close(), plain.close()]);
      }
    });
  });

  it('keeps serving other connections while one peer sends garbage', async () => {
    await connected(async ({ conn, peer, address }) => {
      const got: unknown[] = [];
      peer.onMessage((_t, p) => got.push(p));
      const raw = net.connect(address.port, address.host);
      raw.on('error', () => undefined);
      const rawClosed = new Promise((resolve) => raw.once('close', resolve));
      raw.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      conn.send(APP, 'still here');
      await waitFor(() => got.length === 1, 10_000, 'the good message');
      await rawClosed;
    });
  });
});
