/**
 * A TCP proxy on a free loopback port in front of one etcd member, to cut a client (or a whole
 * application node) off from etcd and let it back, without touching etcd itself.
 *
 * ```ts
 * const proxy = await startTcpProxy('http://127.0.0.1:2379');
 * startEtcdStore({ endpoints: [proxy.url], node: 'gotham' });
 * proxy.cut();    // every connection reset, new ones refused
 * proxy.heal();   // connections accepted again
 * await proxy.close();
 * ```
 *
 * A cut resets connections rather than blackholing them: the client sees the failure at once
 * (a silent blackhole is found by gRPC keepalives, some seconds later).
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

export interface TcpProxy {
  readonly url: string;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const drop = (): void => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const cut = (): void => {
    open = false;
    for (const s of sockets) s.resetAndDestroy();
    sockets.clear();
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut,
    heal() {
      open = true;
    },
    async close() {
      cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
