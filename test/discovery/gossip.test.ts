// UDP gossip discovery between instances on loopback. Sandboxes and CI machines often have no
// multicast route, so these tests use the loopback broadcast address (Linux delivers it to every
// socket bound to the port) and explicit unicast targets; the multicast default is the same code
// path with a group membership.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { GossipDiscovery } from '../../packages/runtime/src/cluster/discovery/gossip.ts';
import {
  decodeAnnouncement,
  encodeAnnouncement,
} from '../../packages/runtime/src/cluster/discovery/gossip-packet.ts';
import type { Candidate } from '../../packages/runtime/src/cluster/discovery/types.ts';
import { deriveKey } from '../../packages/runtime/src/wire/handshake-proof.ts';
import { waitFor } from '../../packages/runtime/src/testing/conformance/transport.ts';

const COOKIE = 'gossip-test-cookie';

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function watch(discovery: GossipDiscovery): { views: Candidate[][]; start: () => Promise<void> } {
  const views: Candidate[][] = [];
  return { views, start: () => discovery.start((view) => views.push([...view])) };
}

describe('gossip announcements', () => {
  it('verify with the cluster key and carry name, host and port', () => {
    const key = deriveKey(COOKIE, 'gossip');
    const packet = encodeAnnouncement(key, { name: 'gotham@10.0.0.5:4800', host: '10.0.0.5', port: 4800 });
    assert.deepEqual(decodeAnnouncement(key, packet), {
      ok: true,
      announcement: { name: 'gotham@10.0.0.5:4800', host: '10.0.0.5', port: 4800 },
    });
  });

  it('are rejected under another cookie, when tampered with, truncated or oversized', () => {
    const key = deriveKey(COOKIE, 'gossip');
    const packet = encodeAnnouncement(key, { name: 'gotham@10.0.0.5:4800', host: '10.0.0.5', port: 4800 });
    assert.deepEqual(decodeAnnouncement(deriveKey('another-cluster-cookie', 'gossip'), packet), {
      ok: false,
      reason: 'mac',
    });
    const tampered = Buffer.from(packet);
    tampered[tampered.length - 1]! ^= 1;
    assert.deepEqual(decodeAnnouncement(key, tampered), { ok: false, reason: 'mac' });
    assert.deepEqual(decodeAnnouncement(key, packet.subarray(0, 20)), { ok: false, reason: 'size' });
    assert.deepEqual(decodeAnnouncement(key, Buffer.alloc(600)), { ok: false, reason: 'size' });
    assert.deepEqual(decodeAnnouncement(key, Buffer.alloc(100)), { ok: false, reason: 'magic' });
  });

  it('use a key unrelated to the handshake key', () => {
    assert.notDeepEqual(deriveKey(COOKIE, 'gossip'), deriveKey(COOKIE, 'handshake'));
  });
});

describe('gossip discovery on loopback', () => {
  it('two instances sharing a port find each other by loopback broadcast, and not themselves', async () => {
    const port = await freeUdpPort();
    const options = {
      cookie: COOKIE,
      port,
      delivery: { broadcast: '127.255.255.255' },
      intervalMs: 100,
    } as const;
    const a = new GossipDiscovery({ ...options, localName: 'gotham@127.0.0.1:4800' });
    const b = new GossipDiscovery({ ...options, localName: 'metropolis@127.0.0.1:4801' });
    const seenByA = watch(a);
    const seenByB = watch(b);
    try {
      await seenByA.start();
      await seenByB.start();
      await waitFor(() => seenByA.views.length > 0 && seenByB.views.length > 0, 3000, 'both views');
      assert.deepEqual(seenByA.views.at(-1), [
        { host: '127.0.0.1', port: 4801, name: 'metropolis@127.0.0.1:4801' },
      ]);
      assert.deepEqual(seenByB.views.at(-1), [
        { host: '127.0.0.1', port: 4800, name: 'gotham@127.0.0.1:4800' },
      ]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('ignores strangers without the cookie and garbage datagrams', async () => {
    const port = await freeUdpPort();
    const options = { port, delivery: { broadcast: '127.255.255.255' }, intervalMs: 100 } as const;
    const member = new GossipDiscovery({ ...options, cookie: COOKIE, localName: 'gotham@127.0.0.1:4800' });
    const stranger = new GossipDiscovery({
      ...options,
      cookie: 'not-our-cluster-cookie',
      localName: 'joker@127.0.0.1:6666',
    });
    const seen = watch(member);
    const noise = dgram.createSocket('udp4');
    try {
      await seen.start();
      await stranger.start(() => undefined);
      for (let i = 0; i < 5; i++) noise.send(Buffer.from(`garbage ${i}`), port, '127.0.0.1');
      await waitFor(() => member.stats.ignored >= 8, 3000, 'the stranger’s and the noise datagrams');
      assert.equal(member.stats.accepted, 0);
      assert.deepEqual(seen.views, []);
      assert.equal(stranger.stats.accepted, 0, 'the stranger accepted our announcements');
    } finally {
      noise.close();
      await Promise.all([member.stop(), stranger.stop()]);
    }
  });

  it('works with explicit unicast targets on separate ports, and forgets a node that goes quiet', async () => {
    const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
    const a = new GossipDiscovery({
      cookie: COOKIE,
      localName: 'gotham@127.0.0.1:4800',
      port: portA,
      bindAddress: '127.0.0.1',
      delivery: { unicast: [{ host: '127.0.0.1', port: portB }] },
      intervalMs: 50,
      expireAfterMs: 200,
    });
    const b = new GossipDiscovery({
      cookie: COOKIE,
      localName: 'capitol@127.0.0.1:4802',
      port: portB,
      bindAddress: '127.0.0.1',
      delivery: { unicast: [{ host: '127.0.0.1', port: portA }] },
      intervalMs: 50,
    });
    const seenByA = watch(a);
    try {
      await seenByA.start();
      await b.start(() => undefined);
      await waitFor(() => seenByA.views.at(-1)?.[0]?.name === 'capitol@127.0.0.1:4802', 2000, 'capitol');
      await b.stop();
      await waitFor(() => seenByA.views.at(-1)?.length === 0, 2000, 'capitol to be forgotten');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('refuses a local name without host and port', () => {
    assert.throws(() => new GossipDiscovery({ cookie: COOKIE, localName: 'gotham' }), TypeError);
  });
});
