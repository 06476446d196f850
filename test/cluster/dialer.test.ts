// The node's address book: backoff after failed dials, no dials to connected peers or to
// ourselves, and discovery candidates that vanish before we ever reached them are dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { Dialer } from '../../packages/runtime/src/cluster/dialer.ts';
import type { Connection, PeerAddress } from '../../packages/runtime/src/cluster/transport/types.ts';
import { ConnectError } from '../../packages/runtime/src/cluster/transport/errors.ts';
import { HandshakeSelfError } from '../../packages/runtime/src/wire/errors.ts';

interface Harness {
  dialer: Dialer;
  dials: string[];
  connected: Set<string>;
  /** Address → outcome of a dial there: a peer name, 'self', or 'refused' (the default). */
  outcomes: Map<string, string>;
}

function harness(now?: () => number): Harness {
  const dials: string[] = [];
  const connected = new Set<string>();
  const outcomes = new Map<string, string>();
  const dialer = new Dialer({
    connect: async (address: PeerAddress) => {
      const key = `${address.host}:${address.port}`;
      dials.push(key);
      const outcome = outcomes.get(key) ?? 'refused';
      if (outcome === 'self') throw new HandshakeSelfError('me@127.0.0.1:1');
      if (outcome === 'refused') throw new ConnectError(key, new Error('refused'));
      return { peerName: outcome, peerIncarnation: 'i', isOpen: true } as Connection;
    },
    isConnected: (peer) => connected.has(peer),
    onConnected: (conn) => connected.add(conn.peerName),
    self: { host: '127.0.0.1', port: 1 },
    selfName: 'me@127.0.0.1:1',
    log: pino({ level: 'silent' }),
    minDelayMs: 20,
    maxDelayMs: 80,
    ...(now ? { now } : {}),
  });
  return { dialer, dials, connected, outcomes };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a refused address is redialled with a doubling backoff up to the maximum', async () => {
  // A manual clock polled every 5 ms: each refusal is settled before the clock moves on.
  let clock = 0;
  const { dialer, dials } = harness(() => clock);
  const dialledAt: number[] = [];
  const mark = () => {
    while (dialledAt.length < dials.length) dialledAt.push(clock);
  };
  dialer.add({ host: '10.0.0.2', port: 4370 }); // dials at once
  mark();
  await settle();
  for (clock = 5; clock < 400; clock += 5) {
    dialer.dialDue();
    mark();
    await settle();
  }
  dialer.stop();
  // Waits of 20, 40, 80, 80, 80, 80 ms after each refusal: a dial when due, never one per poll.
  assert.deepEqual(dialledAt, [0, 20, 60, 140, 220, 300, 380]);
});

test('a connected peer is not dialled again; our own address never is', async () => {
  const { dialer, dials, outcomes } = harness();
  outcomes.set('10.0.0.2:4370', 'b@10.0.0.2:4370');
  dialer.add({ host: '10.0.0.2', port: 4370 });
  dialer.add({ host: '127.0.0.1', port: 1 });
  await settle();
  for (let i = 0; i < 5; i++) dialer.dialDue();
  await settle();
  assert.deepEqual(dials, ['10.0.0.2:4370']);
});

test('an address that turns out to be ourselves is never dialled again', async () => {
  const { dialer, dials, outcomes } = harness();
  outcomes.set('10.0.0.9:1', 'self');
  dialer.offer([{ host: '10.0.0.9', port: 1 }]);
  await settle();
  await sleep(50);
  dialer.offer([{ host: '10.0.0.9', port: 1 }]);
  dialer.retryNow();
  dialer.dialDue();
  await settle();
  assert.deepEqual(dials, ['10.0.0.9:1']);
  assert.deepEqual(dialer.addresses(), []);
});

test('discovery candidates never reached are dropped when they leave the view; seeds and reached ones stay', async () => {
  const { dialer, outcomes } = harness();
  outcomes.set('10.0.0.3:4370', 'c@10.0.0.3:4370');
  dialer.add({ host: '10.0.0.2', port: 4370 }); // a seed, refused
  dialer.offer([
    { host: '10.0.0.3', port: 4370 },
    { host: '10.0.0.4', port: 4370 },
  ]);
  await settle();
  dialer.offer([{ host: '10.0.0.5', port: 4370 }]);
  const keys = dialer.addresses().map((a) => `${a.host}:${a.port}`);
  assert.deepEqual(keys.sort(), ['10.0.0.2:4370', '10.0.0.3:4370', '10.0.0.5:4370']);
  dialer.forget({ host: '10.0.0.2', port: 4370 });
  assert.equal(
    dialer.addresses().some((a) => a.host === '10.0.0.2'),
    false,
  );
  dialer.stop();
});

test('a member address nobody answers at is forgotten after the grace period; seeds are kept', async () => {
  let now = 0;
  const dials: string[] = [];
  const connected = new Set<string>();
  const dialer = new Dialer({
    connect: (address: PeerAddress) => {
      dials.push(`${address.host}:${address.port}`);
      return Promise.reject(new ConnectError(`${address.host}:${address.port}`, new Error('refused')));
    },
    isConnected: (peer) => connected.has(peer),
    onConnected: () => undefined,
    self: { host: '127.0.0.1', port: 1 },
    selfName: 'me@127.0.0.1:1',
    log: pino({ level: 'silent' }),
    minDelayMs: 10,
    maxDelayMs: 10,
    forgetAfterMs: 1000,
    now: () => now,
  });
  dialer.add({ host: '10.0.0.2', port: 4370 }); // a seed
  dialer.add({ host: '10.0.0.3', port: 4370 }, undefined, 'member'); // listed by a peer, never reached
  dialer.add({ host: '10.0.0.4', port: 4370 }, 'd@10.0.0.4:4370', 'member'); // connected for a while
  connected.add('d@10.0.0.4:4370');
  for (; now <= 1500; now += 100) {
    if (now === 800) connected.delete('d@10.0.0.4:4370'); // d goes away at 800
    dialer.dialDue();
    await settle();
  }
  const keys = () => dialer.addresses().map((a) => `${a.host}:${a.port}`);
  assert.deepEqual(keys().sort(), ['10.0.0.2:4370', '10.0.0.4:4370'], 'at 1500: the stranger is gone');
  for (; now <= 2000; now += 100) {
    dialer.dialDue();
    await settle();
  }
  assert.deepEqual(keys(), ['10.0.0.2:4370'], 'at 2000: d, gone since 800, is forgotten too');
  const before = dials.length;
  now += 100;
  dialer.dialDue();
  await settle();
  assert.deepEqual(dials.slice(before), ['10.0.0.2:4370'], 'only the seed is still dialled');
  dialer.stop();
});
