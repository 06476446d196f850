// Bad input at a TCP transport: more than 100k random and mutated frames, plus garbage before the
// handshake. Every bad authenticated connection must be closed with exactly one logged reason,
// every stranger's failed handshake must be logged or counted in a later line's `suppressed`
// (those lines are rate-limited), every good frame before the bad one must be delivered (values
// nested to the depth limit, timestamps and `undefined` included), the process must not crash,
// and a well-behaved peer connected throughout must keep getting answers. Fatal frames include
// what the decoder refuses as not plain data: structured-clone, record, Set, RegExp, Error and
// BigInt extensions and values nested past the depth limit. Replay a failure with FUZZ_SEED=<seed>.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TcpTransport } from '../../packages/runtime/src/cluster/transport/tcp-transport.ts';
import type { Connection, PeerAddress } from '../../packages/runtime/src/cluster/transport/types.ts';
import { encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { encodeFrame, WIRE_VERSION } from '../../packages/runtime/src/wire/frame.ts';
import { NONCE_BYTES } from '../../packages/runtime/src/wire/handshake-proof.ts';
import { MAX_NESTING_DEPTH } from '../../packages/runtime/src/wire/plain-data.ts';
import {
  FIRST_APPLICATION_MESSAGE_TYPE,
  MessageType,
} from '../../packages/runtime/src/wire/message-types.ts';
import {
  captureLogs,
  seededRandom,
  waitFor,
} from '../../packages/runtime/src/testing/conformance/transport.ts';
import { rawConnect, rawHandshake } from './raw-peer.ts';
import type { RawPeer } from './raw-peer.ts';

const APP = FIRST_APPLICATION_MESSAGE_TYPE;
const TYPES = new Set([...Object.values(MessageType), APP, APP + 1, APP + 2]);
const COOKIE = 'fuzz-test-cookie';
const TARGET_FRAMES = 100_000;

type Random = () => number;

const int = (random: Random, n: number) => Math.floor(random() * n);
const bytes = (random: Random, n: number) => Uint8Array.from({ length: n }, () => int(random, 256));

/** `levels` arrays, one inside the other, around `inner`. */
function nested(levels: number, inner: unknown): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** Extensions the decoder refuses: structured clone (id, pointer), record, Set, RegExp, Error, BigInt, unknown. */
function forbiddenExtension(random: Random): Uint8Array {
  switch (int(random, 7)) {
    case 0: // structured-clone id 0 around an array that points at itself: a cycle in 20 bytes
      return Uint8Array.from([0xd6, 0x69, 0, 0, 0, 0, 0x91, 0xd6, 0x70, 0, 0, 0, 0]);
    case 1: // record definition
      return Uint8Array.from([0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61, 0x01]);
    case 2: // Set
      return Uint8Array.from([0xd4, 0x73, 0x00, 0x91, 0x01]);
    case 3: // RegExp
      return Uint8Array.from([0xd4, 0x78, 0x00, 0x92, 0xa1, 0x78, 0xa0]);
    case 4: // Error
      return Uint8Array.from([0xd4, 0x65, 0x00, 0x92, 0xa5, 0x45, 0x72, 0x72, 0x6f, 0x72, 0xa1, 0x65]);
    case 5: {
      // BigInt wider than 64 bits
      const width = 9 + int(random, 4000);
      return Uint8Array.from([0xc8, width >> 8, width & 0xff, 0x42, ...bytes(random, width)]);
    }
    default: // any other extension type, inside a map
      return Uint8Array.from([0x81, 0xa1, 0x6b, 0xd5, 1 + int(random, 0xfe - 1), 0, 0]);
  }
}

function randomValue(random: Random, depth = 0): unknown {
  if (depth === 0 && random() < 0.01) return nested(MAX_NESTING_DEPTH - 1, [randomValue(random, 3)]);
  if (depth === 0 && random() < 0.02) return random() < 0.5 ? new Date(int(random, 2 ** 40)) : undefined;
  switch (int(random, depth > 2 ? 6 : 8)) {
    case 0:
      return int(random, 2 ** 31) - 2 ** 30;
    case 1:
      return random() * 1e6;
    case 2:
      return String.fromCharCode(...Array.from({ length: int(random, 20) }, () => 32 + int(random, 5000)));
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    case 5:
      return bytes(random, int(random, 40));
    case 6:
      return Array.from({ length: int(random, 5) }, () => randomValue(random, depth + 1));
    default: {
      const record: Record<string, unknown> = {};
      for (let i = int(random, 5); i > 0; i--)
        record[`k${int(random, 100)}`] = randomValue(random, depth + 1);
      return record;
    }
  }
}

/** A frame the server must reject, closing the connection at once (after the handshake). */
function fatalFrame(random: Random): { bytes: Uint8Array; kind: string } {
  const valid = encodeFrame(APP, encodePayload(randomValue(random)));
  switch (int(random, 10)) {
    case 8:
      return { bytes: encodeFrame(APP, forbiddenExtension(random)), kind: 'extension' };
    case 9:
      return {
        bytes: encodeFrame(APP, encodePayload(nested(MAX_NESTING_DEPTH + 1 + int(random, 500), 1))),
        kind: 'too deep',
      };
    case 0:
      return {
        bytes: encodeFrame(APP, Uint8Array.from([0xc1, ...bytes(random, int(random, 30))])),
        kind: 'never-used byte',
      };
    case 1: {
      const payload = encodePayload({ text: 'x'.repeat(1 + int(random, 50)) });
      return { bytes: encodeFrame(APP, payload.subarray(0, payload.length - 1)), kind: 'truncated payload' };
    }
    case 2:
      return {
        bytes: encodeFrame(APP, Uint8Array.from([...encodePayload(1), 0x01])),
        kind: 'trailing bytes',
      };
    case 3:
      return {
        bytes: Uint8Array.from([
          ...valid.subarray(0, 4),
          WIRE_VERSION + 1 + int(random, 200),
          ...valid.subarray(5),
        ]),
        kind: 'version',
      };
    case 4:
      return {
        bytes: Uint8Array.from([...valid.subarray(0, 5), 100 + int(random, 150), ...valid.subarray(6)]),
        kind: 'type',
      };
    case 5:
      return { bytes: Uint8Array.from([0, 0, 0, int(random, 2), WIRE_VERSION]), kind: 'short length' };
    case 6:
      return {
        bytes: Uint8Array.from([0x01 + int(random, 0xfe), 0, 0, 0, WIRE_VERSION, APP]),
        kind: 'oversized',
      };
    default:
      return {
        bytes: encodeFrame(MessageType.HandshakeProof, encodePayload({ mac: bytes(random, 32) })),
        kind: 'handshake after auth',
      };
  }
}

/** Bytes a stranger might send first; all must end in a closed socket (at once or by timeout). */
function garbage(random: Random): Uint8Array[] {
  const hello = encodeFrame(
    MessageType.HandshakeHello,
    encodePayload({ v: 1, name: 'stranger@1.2.3.4:5', incarnation: 'x', nonce: bytes(random, NONCE_BYTES) }),
  );
  switch (int(random, 7)) {
    case 6:
      return [encodeFrame(MessageType.HandshakeHello, forbiddenExtension(random))];
    case 0:
      return [bytes(random, 1 + int(random, 200))];
    case 1: {
      const mutated = Uint8Array.from(hello);
      for (let i = 1 + int(random, 4); i > 0; i--)
        mutated[int(random, mutated.length)]! ^= 1 << int(random, 8);
      return [mutated];
    }
    case 2:
      return [encodeFrame(APP, encodePayload(randomValue(random)))];
    case 3:
      return [Buffer.from('GET / HTTP/1.1\r\nHost: node\r\n\r\n')];
    case 4:
      return [hello.subarray(0, int(random, hello.length)), bytes(random, int(random, 16))];
    default:
      return [];
  }
}

/** Waits for the server to close `raw`; fails (naming what was sent) if it does not within 5 s. */
async function closedByServer(raw: RawPeer, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the server did not close a connection that sent ${what}`)),
      5000,
    );
  });
  try {
    await Promise.race([raw.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe('TCP transport under bad input', () => {
  it('survives 100k random and mutated frames, closing each bad connection with a logged reason while serving a good peer', async (t) => {
    const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const logs = captureLogs();
    const server = new TcpTransport({
      name: 'server',
      cookie: COOKIE,
      logger: logs.logger,
      messageTypes: TYPES,
      handshakeTimeoutMs: 1000, // strangers that stall the handshake are closed by this timeout
    });
    const good = new TcpTransport({ name: 'good', cookie: COOKIE, messageTypes: TYPES });
    let delivered = 0;
    let pinger: NodeJS.Timeout | undefined;
    server.onConnection((conn) => {
      conn.onMessage((type, payload) => {
        if (conn.peerName === good.localName) conn.send(type, payload);
        else delivered++;
      });
    });
    try {
      const address: PeerAddress = await server.listen();
      await good.listen();

      // A well-behaved peer pings all along and must get every answer, in order.
      const goodConn: Connection = await good.connect(address);
      const answers: number[] = [];
      let goodClosed = false;
      let worstRtt = 0;
      const sentAt = new Map<number, number>();
      goodConn.onMessage((_type, payload) => {
        answers.push(payload as number);
        worstRtt = Math.max(worstRtt, performance.now() - sentAt.get(payload as number)!);
      });
      goodConn.onClose(() => (goodClosed = true));
      let ping = 0;
      pinger = setInterval(() => {
        sentAt.set(ping, performance.now());
        goodConn.send(APP, ping++);
      }, 5);

      let framesSent = 0;
      let goodFrames = 0;
      let badConnections = 0;
      const kinds = new Map<string, number>();

      // Strangers: garbage before (or instead of) the handshake.
      const strangers = Array.from({ length: 200 }, () => garbage(random));
      await pool(strangers, 24, async (chunks) => {
        const raw = await rawConnect(address);
        for (const chunk of chunks) raw.write(chunk);
        framesSent += Math.max(1, chunks.length);
        badConnections++;
        await closedByServer(
          raw,
          `${chunks.map((c) => Buffer.from(c).toString('hex')).join(' ')} (seed ${seed})`,
        );
      });
      const answeredByStrangersEnd = answers.length;

      // Authenticated peers: a burst of valid random frames, then one fatal frame (or a goodbye).
      const plans: Array<{ frames: Uint8Array[]; good: number; fatal: string | undefined }> = [];
      let planned = 0;
      while (planned < TARGET_FRAMES) {
        const count = 50 + int(random, 250);
        const frames: Uint8Array[] = [];
        for (let i = 0; i < count; i++)
          frames.push(encodeFrame(APP + int(random, 3), encodePayload(randomValue(random))));
        let fatal: string | undefined;
        if (random() < 0.9) {
          const bad = fatalFrame(random);
          frames.push(bad.bytes);
          fatal = bad.kind;
        } else {
          frames.push(encodeFrame(MessageType.Goodbye, encodePayload({})));
        }
        plans.push({ frames, good: count, fatal });
        planned += frames.length;
      }
      let peerIndex = 0;
      await pool(plans, 8, async (plan) => {
        const raw: RawPeer = await rawHandshake(address, COOKIE, {
          name: `fuzzer${peerIndex++}@127.0.0.1:1`,
          incarnation: 'f',
        });
        raw.write(Buffer.concat(plan.frames));
        framesSent += plan.frames.length;
        goodFrames += plan.good;
        if (plan.fatal) {
          badConnections++;
          kinds.set(plan.fatal, (kinds.get(plan.fatal) ?? 0) + 1);
        } else {
          raw.socket.end();
        }
        await closedByServer(raw, `a ${plan.fatal ?? 'goodbye'} frame (seed ${seed})`);
      });
      const answeredByPeersEnd = answers.length;

      clearInterval(pinger);
      const context = `(seed ${seed}; replay with FUZZ_SEED=${seed})`;
      await waitFor(() => answers.length === ping, 5000, `the good peer's last answers ${context}`);
      const closingLogs = () => logs.records.filter((r) => r['msg'] === 'closing connection');
      await waitFor(
        () => closingLogs().length >= badConnections - strangers.length,
        5000,
        `one log line per bad authenticated connection ${context}`,
      );
      assert.equal(goodClosed, false, `the good peer was disconnected ${context}`);
      // Closing the server reports the handshake failures still held back by the rate limit.
      await Promise.all([good.close(), server.close()]);
      const strangerLogs = logs.records.filter(
        (r) => String(r['msg']).startsWith('handshake failed') || r['code'] === 'ERR_LOG_SUPPRESSED',
      );
      const strangersCounted = strangerLogs.reduce(
        (n, r) => n + (r['code'] === 'ERR_LOG_SUPPRESSED' ? 0 : 1) + Number(r['suppressed'] ?? 0),
        0,
      );

      assert.ok(framesSent >= TARGET_FRAMES, `only ${framesSent} frames sent ${context}`);
      assert.equal(
        closingLogs().length,
        badConnections - strangers.length,
        `log lines vs bad authenticated connections ${context}`,
      );
      assert.equal(strangersCounted, strangers.length, `stranger handshakes logged or counted ${context}`);
      assert.ok(
        strangerLogs.length < strangers.length,
        `stranger handshake failures were not rate-limited ${context}`,
      );
      assert.ok(
        [...closingLogs(), ...strangerLogs].every(
          (r) => typeof r['code'] === 'string' && (r['code'] as string).startsWith('ERR_'),
        ),
        `a close was logged without a code ${context}`,
      );
      assert.equal(delivered, goodFrames, `good frames delivered before the bad one ${context}`);
      assert.deepEqual(
        answers,
        Array.from({ length: ping }, (_, i) => i),
        `the good peer's answers ${context}`,
      );
      assert.ok(kinds.size === 10, `not every kind of fatal frame was tried ${context}`);
      assert.ok(ping > 50, `the good peer only pinged ${ping} times ${context}`);
      // The good peer was served while each kind of attack ran, not only once it was over.
      assert.ok(answeredByStrangersEnd > 0, `no answer while strangers sent garbage ${context}`);
      assert.ok(
        answeredByPeersEnd > answeredByStrangersEnd,
        `no answer while authenticated peers sent bad frames ${context}`,
      );
      t.diagnostic(`worst good-peer round trip ${worstRtt.toFixed(0)} ms`);
    } finally {
      clearInterval(pinger);
      await Promise.all([good.close(), server.close()]);
    }
  });
});
