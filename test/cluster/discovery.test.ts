// Nodes that are given no seeds find each other through discovery: DNS (SRV records, and A records
// at a shared port, as a Kubernetes headless service answers) served by a test DNS server, and
// UDP gossip on loopback (broadcast: sandboxes and CI have no multicast route).
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { test } from 'node:test';
import { DnsDiscovery } from '../../packages/runtime/src/cluster/discovery/dns.ts';
import { DiscoveryStartError } from '../../packages/runtime/src/cluster/discovery/errors.ts';
import { GossipDiscovery } from '../../packages/runtime/src/cluster/discovery/gossip.ts';
import {
  discoveryFromSpecs,
  parseDiscoverySpecs,
} from '../../packages/runtime/src/cluster/discovery/spec.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { TcpTransport } from '../../packages/runtime/src/cluster/transport/tcp-transport.ts';
import type { ClusterNode, DiscoverySource } from '../../packages/runtime/src/cluster/node.ts';
import { startDnsServer } from './dns-server.ts';
import { COOKIE, stopAll, waitFor } from './helpers.ts';

async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'udp') {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return port;
  }
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const fullyMeshed = (nodes: ClusterNode[]) => nodes.every((n) => n.nodes().length === nodes.length - 1);

test('nodes without seeds form a full mesh from the SRV records of a DNS name', async () => {
  const dns = await startDnsServer();
  const service = '_cluster._tcp.heroes.test';
  const discovery: DiscoverySource[] = [
    new DnsDiscovery({ query: service, records: 'srv', servers: [dns.address], intervalMs: 100 }),
  ];
  const nodes: ClusterNode[] = [];
  try {
    for (const name of ['gotham', 'metropolis', 'capitol']) {
      nodes.push(await startNode({ name, cookie: COOKIE, discovery: [...discovery] }));
    }
    // The records appear once the pods are up, as with a headless service.
    dns.set(
      'SRV',
      service,
      nodes.map((n) => ({
        type: 'SRV',
        name: service,
        data: { priority: 0, weight: 1, port: n.address.port, target: `${n.shortName}.heroes.test` },
      })),
    );
    for (const n of nodes)
      dns.set('A', `${n.shortName}.heroes.test`, [
        { type: 'A', name: `${n.shortName}.heroes.test`, data: '127.0.0.1' },
      ]);
    await waitFor(() => fullyMeshed(nodes), 5000);
  } finally {
    await stopAll(nodes);
    await dns.close();
  }
});

test('with A records at a shared port, a node dials the others and stops dialling its own address', async () => {
  const dns = await startDnsServer();
  const service = 'heroes.default.svc.test';
  // The record names an address of `a` that differs from the one it advertises, as a pod IP
  // differs from a node's configured host: only the handshake can tell that it is `a` itself.
  dns.set('A', service, [{ type: 'A', name: service, data: '127.0.0.2' }]);
  const port = await freePort('tcp');
  const dials: string[] = [];
  const viaDns = discoveryFromSpecs(parseDiscoverySpecs(`dns:${service}`), {
    dnsServers: [dns.address],
    dnsIntervalMs: 50,
  });
  const a = await startNode({
    name: 'a',
    cookie: COOKIE,
    host: '0.0.0.0',
    advertiseHost: '127.0.0.1',
    port,
    discovery: viaDns,
    transport: (base) => {
      const transport = new TcpTransport({ ...base, host: '0.0.0.0', advertiseHost: '127.0.0.1', port });
      const connect = transport.connect.bind(transport);
      transport.connect = (address) => (dials.push(`${address.host}:${address.port}`), connect(address));
      return transport;
    },
  });
  const b = await startNode({
    name: 'b',
    cookie: COOKIE,
    discovery: [new DnsDiscovery({ query: service, port, servers: [dns.address], intervalMs: 50 })],
  });
  try {
    await waitFor(() => fullyMeshed([a, b]), 5000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // ten polls of `a` find itself
    assert.deepEqual(a.nodes(), [b.name]);
    assert.equal(dials.filter((d) => d === `127.0.0.2:${port}`).length, 1, `a's dials: ${dials.join(' ')}`);
  } finally {
    await stopAll([a, b]);
    await dns.close();
  }
});

test('nodes without seeds form a full mesh by UDP gossip; a node with another cookie is ignored', async () => {
  const gossipPort = await freePort('udp');
  const gossip =
    (cookie: string): DiscoverySource =>
    ({ localName }) =>
      new GossipDiscovery({
        localName,
        cookie,
        port: gossipPort,
        delivery: { broadcast: '127.255.255.255' },
        intervalMs: 100,
      });
  const nodes: ClusterNode[] = [];
  const stranger = await startNode({
    name: 'stranger',
    cookie: 'another-cluster-cookie',
    discovery: [gossip('another-cluster-cookie')],
  });
  try {
    for (const name of ['gotham', 'metropolis', 'capitol']) {
      nodes.push(await startNode({ name, cookie: COOKIE, discovery: [gossip(COOKIE)] }));
    }
    await waitFor(() => fullyMeshed(nodes), 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(stranger.nodes().length, 0);
    for (const n of nodes) assert.equal(n.nodes().length, 2);
  } finally {
    await stopAll([...nodes, stranger]);
  }
});

test('the gossip flag form (gossip:<port>:<broadcast>) forms a cluster too', async () => {
  const gossipPort = await freePort('udp');
  const discovery = discoveryFromSpecs(parseDiscoverySpecs(`gossip:${gossipPort}:127.255.255.255`), {
    gossipIntervalMs: 100,
  });
  const nodes = [
    await startNode({ name: 'a', cookie: COOKIE, discovery }),
    await startNode({ name: 'b', cookie: COOKIE, discovery }),
  ];
  try {
    await waitFor(() => fullyMeshed(nodes), 5000);
  } finally {
    await stopAll(nodes);
  }
});

test('startNode rejects with DiscoveryStartError when a source cannot start, and frees its port', async () => {
  const port = await freePort('tcp');
  await assert.rejects(
    startNode({
      name: 'a',
      cookie: COOKIE,
      port,
      discovery: [
        ({ localName, cookie }) =>
          new GossipDiscovery({ localName, cookie, port: 1, bindAddress: '192.0.2.1' }),
      ],
    }),
    (err: unknown) => err instanceof DiscoveryStartError && err.code === 'ERR_DISCOVERY_START',
  );
  const again = await startNode({ name: 'a', cookie: COOKIE, port });
  await again.stop();
});
