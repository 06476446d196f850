/**
 * A free TCP port on loopback, for tests and benchmarks that start processes on given ports: the
 * port is bound, read and released at once (another process could take it in between; good
 * enough on one machine).
 *
 * ```ts
 * const port = await freePort();
 * spawn(process.execPath, [main, '--port', String(port)]);
 * ```
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
