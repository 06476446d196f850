// The heartbeat monitor over real transports and real time: three-node meshes where one node is
// partitioned away (it must be declared down on both sides, by the phi detector judging its
// silence; the detection times are printed, not asserted), and a healthy mesh whose shared event
// loop stalls (nobody may be declared down).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeartbeatMonitor } from '../../packages/runtime/src/cluster/failure-detector/heartbeat-monitor.ts';
import type { PeerDownEvent } from '../../packages/runtime/src/cluster/failure-detector/heartbeat-monitor.ts';
import { FAILURE_DETECTOR_DEFAULTS } from '../../packages/runtime/src/cluster/failure-detector/detector.ts';
import { FaultController } from '../../packages/runtime/src/cluster/transport/faults.ts';
import { MemoryNetwork } from '../../packages/runtime/src/cluster/transport/memory-network.ts';
import { TcpTransport } from '../../packages/runtime/src/cluster/transport/tcp-transport.ts';
import type {
  Connection,
  FaultInjectable,
  Transport,
} from '../../packages/runtime/src/cluster/transport/types.ts';
import { waitFor } from '../../packages/runtime/src/testing/conformance/transport.ts';

const COOKIE = 'heartbeat-monitor-cookie';

interface Node {
  readonly transport: Transport & FaultInjectable;
  readonly monitor: HeartbeatMonitor;
  readonly downs: Array<PeerDownEvent & { at: number }>;
  readonly closes: Array<{ peer: string; code: string | undefined }>;
}

async function mesh(kind: 'memory' | 'tcp', faults: FaultController): Promise<Node[]> {
  const network = new MemoryNetwork();
  const nodes: Node[] = ['gotham', 'metropolis', 'capitol'].map((name) => {
    const transport = faults.wrap(
      kind === 'tcp'
        ? new TcpTransport({ name, cookie: COOKIE })
        : network.transport({ name, cookie: COOKIE }),
    );
    const monitor = new HeartbeatMonitor();
    const node: Node = { transport, monitor, downs: [], closes: [] };
    monitor.onDown((event) => node.downs.push({ ...event, at: performance.now() }));
    const track = (conn: Connection) => {
      monitor.watch(conn);
      conn.onClose((reason) =>
        node.closes.push({ peer: conn.peerName, code: (reason as { code?: string } | undefined)?.code }),
      );
    };
    transport.onConnection(track);
    (node as { track?: (c: Connection) => void }).track = track;
    monitor.start();
    return node;
  });
  const addresses = await Promise.all(nodes.map((n) => n.transport.listen()));
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const conn = await nodes[i]!.transport.connect(addresses[j]!);
      (nodes[i] as { track?: (c: Connection) => void }).track!(conn);
    }
  }
  return nodes;
}

async function shutdown(nodes: Node[]): Promise<void> {
  for (const node of nodes) node.monitor.stop();
  await Promise.all(nodes.map((node) => node.transport.close()));
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the event loop is stalled on purpose
  }
}

for (const kind of ['memory', 'tcp'] as const) {
  describe(`heartbeat monitor over the ${kind} transport`, () => {
    it('declares a partitioned node down on both sides of the cut by its silence, closing with PeerUnreachableError', async (t) => {
      const faults = new FaultController();
      const nodes = await mesh(kind, faults);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1500)); // learn the heartbeat rhythm
        assert.deepEqual(
          nodes.map((n) => n.downs.length),
          [0, 0, 0],
        );
        const [gotham, metropolis, capitol] = nodes as [Node, Node, Node];
        const cutAt = performance.now();
        faults.partition(['capitol'], ['gotham', 'metropolis']);
        await waitFor(
          () => gotham.downs.length === 1 && metropolis.downs.length === 1 && capitol.downs.length === 2,
          30_000,
          'every side to declare the other down',
        );
        const latencies = nodes.flatMap((n) => n.downs.map((d) => d.at - cutAt));
        t.diagnostic(`detection after the cut: ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
        // Each verdict is the detector's: suspicion at or past its threshold after a silence.
        for (const d of nodes.flatMap((n) => n.downs)) {
          assert.ok(d.phi >= FAILURE_DETECTOR_DEFAULTS.threshold, `phi ${d.phi} below the threshold`);
        }
        assert.ok(gotham.downs[0]!.peer.startsWith('capitol@'));
        assert.ok(metropolis.downs[0]!.peer.startsWith('capitol@'));
        await waitFor(() => gotham.closes.length === 1, 10_000, 'the close on gotham');
        assert.deepEqual(gotham.closes[0], { peer: gotham.downs[0]!.peer, code: 'ERR_PEER_UNREACHABLE' });
        assert.equal(
          metropolis.closes.some((c) => c.peer.startsWith('gotham@')),
          false,
          'a healthy link was closed',
        );
      } finally {
        await shutdown(nodes);
      }
    });

    it('declares nobody down while healthy, even when the shared event loop stalls for 250 ms', async () => {
      const faults = new FaultController();
      const nodes = await mesh(kind, faults);
      try {
        for (let i = 0; i < 4; i++) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          busyWait(250);
        }
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.deepEqual(
          nodes.map((n) => n.downs.length),
          [0, 0, 0],
        );
        assert.ok(
          nodes.every((n) => n.monitor.detector.stalls >= 3),
          'the stalls were not noticed',
        );
        for (const n of nodes) {
          for (const other of nodes) {
            if (other === n) continue;
            const value = n.monitor.phi(other.transport.localName);
            assert.ok(value !== undefined && value < 3, `phi ${value} towards a healthy peer`);
          }
        }
      } finally {
        await shutdown(nodes);
      }
    });
  });
}
