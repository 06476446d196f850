/**
 * Conformance suite for `Transport` implementations: registers `node:test` tests that check the
 * contract documented in `cluster/transport/types.ts` and the fault-injection semantics
 * (partitions look like silence). Both built-in transports run it; run it on your own.
 *
 * Example (a test file):
 * ```ts
 * import { transportConformance } from '@superhero-dispatch/runtime/testing/conformance';
 * transportConformance('MyTransport', () => ({
 *   create: (options) => new MyTransport(options),
 *   pauseReading: (conn) => (conn as MyConnection).pause(),
 * }));
 * ```
 *
 * The harness creates transports from `TransportOptions` (name, cookie, logger and the limits the
 * tests shrink) that must also accept a `LinkPolicy` (`FaultInjectable`). Each test closes what
 * it created. Randomized tests take their seed from `TRANSPORT_CONFORMANCE_SEED` when set and
 * print it when they fail.
 *
 * Not for: performance (see bench/) or byte-level robustness (see the TCP fuzz test).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Logger } from 'pino';
import { FaultController } from '../../cluster/transport/faults.ts';
import type { TransportOptions } from '../../cluster/transport/options.ts';
import type { Connection, FaultInjectable, Transport } from '../../cluster/transport/types.ts';
import { FIRST_APPLICATION_MESSAGE_TYPE, MessageType } from '../../wire/message-types.ts';
import { waitFor } from '../wait-for.ts';
import { seededRandom } from '../sim/index.ts';

export interface TransportHarness {
  /** A new, not yet listening transport. */
  create(options: TransportOptions): Transport & FaultInjectable;
  /** Makes `conn` stop reading from its peer, so the peer's send queue fills up. */
  pauseReading(conn: Connection): void;
}

/** Captured log records (pino objects) at `warn` and above. */
export interface LogCapture {
  readonly logger: Logger;
  readonly records: Array<Record<string, unknown>>;
}

export function captureLogs(): LogCapture {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void records.push(JSON.parse(line)) });
  return { logger, records };
}

/** Polls `predicate` every 5 ms until it holds or `timeoutMs` passes (then fails with `what`). */
export { waitFor } from '../wait-for.ts';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { seededRandom };

const APP = FIRST_APPLICATION_MESSAGE_TYPE;
const TYPES: ReadonlySet<number> = new Set([...Object.values(MessageType), APP, APP + 1]);
const COOKIE = 'conformance-cookie';

interface Pair {
  a: Transport & FaultInjectable;
  b: Transport & FaultInjectable;
  /** a's end of the connection a → b. */
  ab: Connection;
  /** b's end of the same connection. */
  ba: Connection;
}

export function transportConformance(label: string, makeHarness: () => TransportHarness): void {
  const seed = Number(process.env['TRANSPORT_CONFORMANCE_SEED'] ?? Date.now() % 1_000_000);

  async function withTransports<T>(
    count: number,
    options: Partial<TransportOptions>,
    body: (ts: Array<Transport & FaultInjectable>, harness: TransportHarness) => Promise<T>,
  ): Promise<T> {
    const harness = makeHarness();
    const ts = Array.from({ length: count }, (_, i) =>
      harness.create({ name: `node${i}`, cookie: COOKIE, messageTypes: TYPES, ...options }),
    );
    try {
      return await body(ts, harness);
    } finally {
      await Promise.all(ts.map((t) => t.close()));
    }
  }

  async function connectPair(a: Transport & FaultInjectable, b: Transport & FaultInjectable): Promise<Pair> {
    const inbound = new Promise<Connection>((resolve) => b.onConnection(resolve));
    const address = await b.listen();
    const ab = await a.connect(address);
    const ba = await inbound;
    return { a, b, ab, ba };
  }

  function collect(conn: Connection): Array<[number, unknown]> {
    const got: Array<[number, unknown]> = [];
    conn.onMessage((type, payload) => got.push([type, payload]));
    return got;
  }

  function closed(conn: Connection): Promise<Error | undefined> {
    return new Promise((resolve) => conn.onClose(resolve));
  }

  describe(`Transport conformance: ${label}`, () => {
    it('connect authenticates both ends and each learns the other’s name and incarnation', () =>
      withTransports(2, {}, async ([a, b]) => {
        const { ab, ba } = await connectPair(a!, b!);
        assert.equal(ab.peerName, b!.localName);
        assert.equal(ab.peerIncarnation, b!.localIncarnation);
        assert.equal(ba.peerName, a!.localName);
        assert.equal(ba.peerIncarnation, a!.localIncarnation);
        assert.notEqual(a!.localIncarnation, b!.localIncarnation);
        assert.ok(ab.isOpen && ba.isOpen);
      }));

    it('delivers messages asynchronously and in order, in both directions', () =>
      withTransports(2, {}, async ([a, b]) => {
        const { ab, ba } = await connectPair(a!, b!);
        const atB = collect(ba);
        const atA = collect(ab);
        let sending = true;
        let deliveredDuringSend = false;
        ba.onMessage(() => {
          if (sending) deliveredDuringSend = true;
        });
        for (let i = 0; i < 2000; i++) {
          ab.send(APP, { i });
          ba.send(APP + 1, { j: i });
        }
        sending = false;
        await waitFor(() => atB.length === 2000 && atA.length === 2000, 10_000, 'all messages');
        assert.equal(deliveredDuringSend, false, 'a handler ran inside send()');
        assert.deepEqual(
          atB.map(([, p]) => (p as { i: number }).i),
          Array.from({ length: 2000 }, (_, i) => i),
        );
        assert.ok(atB.every(([t]) => t === APP));
        assert.deepEqual(
          atA.map(([t, p]) => [t, (p as { j: number }).j]),
          Array.from({ length: 2000 }, (_, j) => [APP + 1, j]),
        );
      }));

    it('carries plain data intact: nested maps, binary, bigint, unicode, a 1 MiB blob', () =>
      withTransports(2, {}, async ([a, b]) => {
        const { ab, ba } = await connectPair(a!, b!);
        const got = collect(ba);
        const blob = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) % 251);
        const value = {
          s: 'héros 🦸',
          n: -1.5,
          big: 2n ** 63n - 1n,
          list: [1, null, true, { deep: ['x'] }],
          bin: blob,
        };
        ab.send(APP, value);
        await waitFor(() => got.length === 1, 5000, 'the message');
        const received = got[0]![1] as typeof value;
        assert.equal(received.s, value.s);
        assert.equal(received.n, value.n);
        assert.equal(received.big, value.big);
        assert.deepEqual(received.list, value.list);
        assert.ok(received.bin instanceof Uint8Array);
        assert.deepEqual(new Uint8Array(received.bin), blob);
      }));

    it('keeps messages that arrive before the first handler and hands them over in order', () =>
      withTransports(2, {}, async ([a, b]) => {
        const inbound = new Promise<Connection>((resolve) => b!.onConnection(resolve));
        const ab = await a!.connect(await b!.listen());
        for (let i = 0; i < 50; i++) ab.send(APP, i);
        const ba = await inbound;
        await sleep(30);
        const got = collect(ba);
        ab.send(APP, 50);
        await waitFor(() => got.length === 51, 5000, 'the buffered messages');
        assert.deepEqual(
          got.map(([, p]) => p),
          Array.from({ length: 51 }, (_, i) => i),
        );
      }));

    it('hands out inbound connections that arrived before onConnection was called', () =>
      withTransports(2, {}, async ([a, b]) => {
        const address = await b!.listen();
        const ab = await a!.connect(address);
        await sleep(20);
        const ba = await new Promise<Connection>((resolve) => b!.onConnection(resolve));
        assert.equal(ba.peerName, a!.localName);
        assert.ok(ab.isOpen);
      }));

    it('refuses a wrong cookie: typed errors and a log line on both sides, nothing exposed', async () => {
      const harness = makeHarness();
      const logsB = captureLogs();
      const logsA = captureLogs();
      const b = harness.create({ name: 'server', cookie: COOKIE, logger: logsB.logger });
      const a = harness.create({ name: 'stranger', cookie: 'not-the-cluster-cookie', logger: logsA.logger });
      try {
        let exposed = false;
        b.onConnection(() => (exposed = true));
        const address = await b.listen();
        await assert.rejects(
          a.connect(address),
          (err: Error & { code?: string }) => err.code === 'ERR_HANDSHAKE_AUTH',
        );
        await waitFor(
          () => logsB.records.some((r) => r['code'] === 'ERR_HANDSHAKE_AUTH'),
          2000,
          'server log',
        );
        assert.ok(
          logsA.records.some((r) => r['code'] === 'ERR_HANDSHAKE_AUTH'),
          'client log',
        );
        await sleep(20);
        assert.equal(exposed, false);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('refuses a node dialling itself', () =>
      withTransports(1, {}, async ([a]) => {
        const address = await a!.listen();
        await assert.rejects(
          a!.connect(address),
          (err: Error & { code?: string }) => err.code === 'ERR_HANDSHAKE_SELF',
        );
      }));

    it('rejects a dial to an address nobody listens on with ConnectError', () =>
      withTransports(2, {}, async ([a, b]) => {
        const address = await b!.listen();
        await b!.close();
        await assert.rejects(
          a!.connect(address),
          (err: Error & { code?: string }) => err.code === 'ERR_CONNECT_FAILED',
        );
      }));

    it('close() without a reason is graceful on both ends; queued messages are delivered first', () =>
      withTransports(2, {}, async ([a, b]) => {
        const { ab, ba } = await connectPair(a!, b!);
        const got = collect(ba);
        const local = closed(ab);
        const remote = closed(ba);
        for (let i = 0; i < 100; i++) ab.send(APP, i);
        ab.close();
        assert.equal(ab.isOpen, false);
        assert.equal(await local, undefined);
        assert.equal(await remote, undefined);
        assert.equal(got.length, 100);
        assert.equal(ba.isOpen, false);
      }));

    it('close(reason) reaches the peer as PeerClosedError carrying the reason’s code', () =>
      withTransports(2, {}, async ([a, b]) => {
        const { ab, ba } = await connectPair(a!, b!);
        const remote = closed(ba);
        const reason = Object.assign(new Error('node is leaving'), { code: 'ERR_LEAVING' });
        ab.close(reason);
        assert.equal(await closed(ab), reason);
        const seen = (await remote) as Error & { code?: string; remoteCode?: string };
        assert.equal(seen.code, 'ERR_PEER_CLOSED');
        assert.equal(seen.remoteCode, 'ERR_LEAVING');
      }));

    it('runs onClose handlers registered after the close, and send on a closed connection is a no-op', () =>
      withTransports(2, {}, async ([a, b]) => {
        const { ab } = await connectPair(a!, b!);
        ab.close();
        await sleep(10);
        assert.equal(await closed(ab), undefined);
        ab.send(APP, 'ignored');
      }));

    it('throws on caller bugs without closing: oversized payload, unknown or handshake type', () =>
      withTransports(2, { maxFrameBytes: 64 * 1024 }, async ([a, b]) => {
        const { ab, ba } = await connectPair(a!, b!);
        const got = collect(ba);
        assert.throws(() => ab.send(APP, new Uint8Array(70 * 1024)), { code: 'ERR_FRAME_TOO_LARGE' });
        assert.throws(() => ab.send(200, 1), { code: 'ERR_INVALID_MESSAGE_TYPE' });
        assert.throws(() => ab.send(MessageType.HandshakeHello, 1), { code: 'ERR_INVALID_MESSAGE_TYPE' });
        assert.throws(() => ab.send(APP, { s: Symbol('x') }), { code: 'ERR_PAYLOAD_ENCODE' });
        ab.send(APP, 'still fine');
        await waitFor(() => got.length === 1, 2000, 'the message after the errors');
        assert.ok(ab.isOpen);
      }));

    it('closes a connection whose handler throws with MessageHandlerError, sparing the others', () =>
      withTransports(3, {}, async ([a, b, c]) => {
        const address = await b!.listen();
        const conns: Connection[] = [];
        b!.onConnection((conn) => {
          conns.push(conn);
          conn.onMessage((_type, payload) => {
            if (payload === 'boom') throw new Error('handler bug');
            conn.send(APP, payload);
          });
        });
        const fromA = await a!.connect(address);
        const fromC = await c!.connect(address);
        await waitFor(() => conns.length === 2, 2000, 'both inbound connections');
        const echoes = collect(fromC);
        const victim = conns.find((conn) => conn.peerName === a!.localName)!;
        const reason = closed(victim);
        fromA.send(APP, 'boom');
        assert.equal(((await reason) as Error & { code?: string }).code, 'ERR_MESSAGE_HANDLER');
        fromC.send(APP, 'ping');
        await waitFor(() => echoes.length === 1, 2000, 'the echo on the healthy connection');
      }));

    it('closes with PeerTooSlowError once bytes queued for a non-reading peer exceed the bound', () =>
      withTransports(
        2,
        { maxSendQueueBytes: 1024 * 1024, maxFrameBytes: 512 * 1024 },
        async ([a, b], harness) => {
          const { ab, ba } = await connectPair(a!, b!);
          const got = collect(ba);
          const reason = closed(ab);
          const chunk = new Uint8Array(128 * 1024);
          // A reading peer keeps up with one chunk per turn: 12.5 MiB pass through a 1 MiB bound.
          for (let i = 0; i < 100; i++) {
            ab.send(APP, chunk);
            await new Promise((resolve) => setImmediate(resolve));
            await waitFor(() => got.length >= i - 4, 2000, 'the reader to keep up');
          }
          await waitFor(() => got.length === 100, 2000, 'the reader to catch up');
          assert.ok(ab.isOpen, 'closed although the peer was reading');
          harness.pauseReading(ba);
          let sent = 0;
          while (ab.isOpen && sent < 2000) {
            ab.send(APP, chunk);
            sent++;
            await new Promise((resolve) => setImmediate(resolve));
          }
          const error = (await reason) as Error & { code?: string };
          assert.equal(error.code, 'ERR_PEER_TOO_SLOW');
          assert.ok(
            sent >= 8,
            `closed after only ${sent} chunks: the bound counts more than the peer's backlog`,
          );
        },
      ));

    it('close() of the transport closes every connection and later dials reject', () =>
      withTransports(3, {}, async ([a, b, c]) => {
        const one = await connectPair(a!, b!);
        const two = await connectPair(c!, a!);
        const reasons = [closed(one.ba), closed(two.ab)];
        await a!.close();
        assert.deepEqual(await Promise.all(reasons), [undefined, undefined]);
        await assert.rejects(
          a!.connect(await b!.listen()),
          (err: Error & { code?: string }) => err.code === 'ERR_TRANSPORT_CLOSED',
        );
      }));

    it('a three-node full mesh exchanges messages on every link', () =>
      withTransports(3, {}, async (ts) => {
        const received = new Map<string, string[]>();
        const addresses = await Promise.all(ts.map((t) => t.listen()));
        for (const t of ts) {
          const list: string[] = [];
          received.set(t.localName, list);
          t.onConnection((conn) => conn.onMessage((_type, p) => list.push(p as string)));
        }
        for (let i = 0; i < ts.length; i++) {
          for (let j = 0; j < ts.length; j++) {
            if (i === j) continue;
            const conn = await ts[i]!.connect(addresses[j]!);
            conn.send(APP, `${i}->${j}`);
          }
        }
        await waitFor(() => [...received.values()].every((list) => list.length === 2), 5000, 'every message');
        assert.deepEqual([...received.get(ts[0]!.localName)!].sort(), ['1->0', '2->0']);
      }));

    describe('with fault injection', () => {
      it('a partition drops frames both ways but keeps the connection open; heal resumes delivery', () =>
        withTransports(2, {}, async ([a, b]) => {
          const faults = new FaultController();
          faults.wrap(a!);
          faults.wrap(b!);
          const { ab, ba } = await connectPair(a!, b!);
          const atB = collect(ba);
          const atA = collect(ab);
          let closes = 0;
          ab.onClose(() => closes++);
          ba.onClose(() => closes++);
          faults.partition(['node0'], ['node1']);
          ab.send(APP, 'lost-1');
          ba.send(APP, 'lost-2');
          await sleep(50);
          assert.deepEqual([atA.length, atB.length, closes], [0, 0, 0]);
          assert.ok(ab.isOpen && ba.isOpen);
          faults.heal();
          ab.send(APP, 'after-heal');
          ba.send(APP, 'after-heal');
          await waitFor(() => atA.length === 1 && atB.length === 1, 2000, 'delivery after heal');
          assert.equal(atB[0]![1], 'after-heal');
        }));

      it('a dial across a partition never completes: it times out, the target exposes nothing', () =>
        // 1 s: the dial after the heal must finish within the same timeout on a loaded machine.
        withTransports(2, { handshakeTimeoutMs: 1000 }, async ([a, b]) => {
          const faults = new FaultController();
          faults.wrap(a!);
          faults.wrap(b!);
          let exposed = false;
          b!.onConnection(() => (exposed = true));
          const address = await b!.listen();
          faults.partition([a!.localName], [b!.localName]);
          const started = performance.now();
          await assert.rejects(
            a!.connect(address),
            (err: Error & { code?: string }) => err.code === 'ERR_HANDSHAKE_TIMEOUT',
          );
          assert.ok(performance.now() - started >= 950, 'rejected before the timeout');
          assert.equal(exposed, false);
          faults.heal();
          const conn = await a!.connect(address);
          assert.equal(conn.peerName, b!.localName);
        }));

      it("a dial across a partition ends with the dialler's own timeout, even when the far side gives up first", async () => {
        // The far side's shorter timeout ends its half of the handshake first; behind a real
        // partition its hang-up would never arrive, so the dialler must not learn of it either.
        const harness = makeHarness();
        const b = harness.create({
          name: 'far',
          cookie: COOKIE,
          messageTypes: TYPES,
          handshakeTimeoutMs: 150,
        });
        const a = harness.create({
          name: 'near',
          cookie: COOKIE,
          messageTypes: TYPES,
          handshakeTimeoutMs: 600,
        });
        try {
          const faults = new FaultController();
          faults.wrap(a);
          faults.wrap(b);
          const address = await b.listen();
          faults.partition([a.localName], [b.localName]);
          await assert.rejects(
            a.connect(address),
            (err: Error & { code?: string }) => err.code === 'ERR_HANDSHAKE_TIMEOUT',
          );
          faults.heal();
          assert.equal((await a.connect(address)).peerName, b.localName);
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });

      it('a close on the far side of a cut stays silent until the cut heals', () =>
        withTransports(2, {}, async ([a, b]) => {
          const faults = new FaultController();
          faults.wrap(a!);
          faults.wrap(b!);
          const { ab, ba } = await connectPair(a!, b!);
          let reason: Error | undefined | 'open' = 'open';
          ba.onClose((r) => (reason = r));
          faults.isolate('node0');
          ab.close(Object.assign(new Error('detector gave up'), { code: 'ERR_PEER_UNREACHABLE' }));
          await sleep(100);
          assert.equal(reason, 'open', 'the far side noticed the close through the cut');
          assert.ok(ba.isOpen);
          faults.heal();
          await waitFor(() => reason !== 'open', 2000, 'the close after heal');
          assert.equal((reason as unknown as Error & { code?: string }).code, 'ERR_CONNECTION_LOST');
        }));

      it('isolate cuts one node from everyone while the others still talk', () =>
        withTransports(3, {}, async ([a, b, c]) => {
          const faults = new FaultController();
          for (const t of [a!, b!, c!]) faults.wrap(t);
          const ab = await connectPair(a!, b!);
          const bc = await connectPair(b!, c!);
          const atA = collect(ab.ab);
          const atC = collect(bc.ba);
          faults.isolate(a!.localName);
          ab.ba.send(APP, 'to-a');
          bc.ab.send(APP, 'to-c');
          await waitFor(() => atC.length === 1, 2000, 'b → c');
          await sleep(30);
          assert.equal(atA.length, 0);
        }));

      it('drops about the configured fraction of messages, reproducibly for a seed', () =>
        withTransports(2, {}, async ([a, b]) => {
          const faults = new FaultController({ random: seededRandom(seed) });
          faults.wrap(a!);
          faults.wrap(b!);
          const { ab, ba } = await connectPair(a!, b!);
          const got = collect(ba);
          faults.setDropRate(0.3);
          for (let i = 0; i < 2000; i++) ab.send(APP, i);
          ab.send(APP + 1, 'end');
          faults.setDropRate(0);
          ab.send(APP + 1, 'end');
          await waitFor(() => got.some(([t]) => t === APP + 1), 5000, 'the end marker');
          await sleep(20);
          const kept = got.filter(([t]) => t === APP).map(([, p]) => p as number);
          const rate = 1 - kept.length / 2000;
          assert.ok(rate > 0.25 && rate < 0.35, `drop rate ${rate} (seed ${seed})`);
          assert.deepEqual(
            kept,
            [...kept].sort((x, y) => x - y),
            `order broken (seed ${seed})`,
          );
        }));

      it('delays messages by the configured time plus jitter and keeps their order', () =>
        withTransports(2, {}, async ([a, b]) => {
          const faults = new FaultController({ random: seededRandom(seed) });
          faults.wrap(a!);
          faults.wrap(b!);
          const { ab, ba } = await connectPair(a!, b!);
          const arrivals: Array<[number, number]> = [];
          ba.onMessage((_t, p) => arrivals.push([p as number, performance.now()]));
          faults.setDelay(80, 40);
          const sentAt = performance.now();
          for (let i = 0; i < 20; i++) ab.send(APP, i);
          await waitFor(() => arrivals.length === 20, 3000, 'delayed messages');
          assert.deepEqual(
            arrivals.map(([i]) => i),
            Array.from({ length: 20 }, (_, i) => i),
            `seed ${seed}`,
          );
          assert.ok(arrivals[0]![1] - sentAt >= 75, `first arrived after ${arrivals[0]![1] - sentAt} ms`);
          assert.ok(arrivals[19]![1] - sentAt < 1000, `last arrived after ${arrivals[19]![1] - sentAt} ms`);
        }));
    });
  });
}
