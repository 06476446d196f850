/**
 * Free TCP ports for tests and benchmarks that start processes on given ports. A port is probed
 * (bound and released at once), so another process could still take it before the caller binds
 * it; to make that unlikely, ports come from below the kernel's ephemeral range (Linux's default
 * starts at 32768): the kernel hands those out to every outgoing connection and every `listen(0)`,
 * and a test process makes thousands of both, so a port released from that range is soon reused.
 * Ports already handed out by this process are not handed out again.
 *
 * ```ts
 * const port = await freePort();
 * spawn(process.execPath, [main, '--port', String(port)]);
 * const base = await freePortRun(6); // base … base + 5, for a launcher that numbers its nodes
 * ```
 */
import { createServer } from 'node:net';

/** Ports are drawn from [LOW, HIGH): above the well-known and common service ports, below 32768. */
const LOW = 20_000;
const HIGH = 32_768;
const given = new Set<number>();

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // The wildcard address: a port taken on any interface (or on loopback only) is refused.
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** One free port. */
export async function freePort(): Promise<number> {
  return freePortRun(1);
}

/** The first of `n` consecutive free ports, none handed out before by this process. */
export async function freePortRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const base = LOW + Math.floor(Math.random() * (HIGH - LOW - n));
    let free = true;
    for (let i = 0; i < n && free; i++) free = !given.has(base + i) && (await portFree(base + i));
    if (free) {
      for (let i = 0; i < n; i++) given.add(base + i);
      return base;
    }
  }
  throw new Error(`no run of ${n} free ports found below ${HIGH}`);
}
