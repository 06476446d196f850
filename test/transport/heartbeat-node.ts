// A node process for the multi-process failure-detection test: a TCP transport with a heartbeat
// monitor, driven by its parent over IPC. Usage: fork(this file, [name, cookie]).
import { HeartbeatMonitor } from '../../packages/runtime/src/cluster/failure-detector/heartbeat-monitor.ts';
import { TcpTransport } from '../../packages/runtime/src/cluster/transport/tcp-transport.ts';
import type { Connection, PeerAddress } from '../../packages/runtime/src/cluster/transport/types.ts';

export type NodeCommand =
  | { cmd: 'listen' }
  | { cmd: 'connect'; id: number; address: PeerAddress }
  | { cmd: 'stall'; id: number; ms: number }
  | { cmd: 'exit' };

export type NodeEvent =
  | { event: 'listening'; name: string; address: PeerAddress }
  | { event: 'connected'; id: number; peer: string }
  | { event: 'connect-failed'; id: number; code: string }
  | { event: 'stalled'; id: number }
  | { event: 'down'; peer: string; silenceMs: number }
  | { event: 'close'; peer: string; code: string | undefined };

const [name = 'node', cookie = 'heartbeat-node-cookie'] = process.argv.slice(2);
const report = (event: NodeEvent) => process.send?.(event);
const transport = new TcpTransport({ name, cookie });
const monitor = new HeartbeatMonitor();

function track(conn: Connection): void {
  monitor.watch(conn);
  conn.onClose((reason) =>
    report({ event: 'close', peer: conn.peerName, code: (reason as { code?: string } | undefined)?.code }),
  );
}

transport.onConnection(track);
monitor.onDown((event) => report({ event: 'down', peer: event.peer, silenceMs: event.silenceMs }));
monitor.start();

process.on('message', (message: NodeCommand) => {
  switch (message.cmd) {
    case 'listen':
      void transport
        .listen()
        .then((address) => report({ event: 'listening', name: transport.localName, address }));
      break;
    case 'connect':
      transport.connect(message.address).then(
        (conn) => {
          track(conn);
          report({ event: 'connected', id: message.id, peer: conn.peerName });
        },
        (err: Error & { code?: string }) =>
          report({ event: 'connect-failed', id: message.id, code: err.code ?? 'unknown' }),
      );
      break;
    case 'stall': {
      const until = performance.now() + message.ms;
      while (performance.now() < until) {
        // stalls this node's event loop on purpose
      }
      report({ event: 'stalled', id: message.id });
      break;
    }
    case 'exit':
      monitor.stop();
      void transport.close().then(() => process.exit(0));
      break;
  }
});
