/**
 * Free TCP ports for tests and benchmarks that start processes on given ports. A port is probed
 * (bound and released at once), so another process could still take it before the caller binds
 * it; two guards make that unlikely:
 * - ports come from below the kernel's ephemeral range (Linux's default starts at 32768): the
 *   kernel hands those out to every outgoing connection and every `listen(0)`, and a test process
 *   makes thousands of both, so a port released from that range is soon reused;
 * - a port handed out is reserved across processes, by a file named after it in a directory under
 *   the system's temporary directory, holding the pid of the process that took it. Test files run
 *   as processes at the same time, and each draws ports; without the reservation two of them could
 *   draw and probe the same port before either binds it. A process's reservations are removed when
 *   it exits; one left by a process that died without exiting cleanly is taken over.
 *
 * ```ts
 * const port = await freePort();
 * spawn(process.execPath, [main, '--port', String(port)]);
 * const base = await freePortRun(6); // base … base + 5, for a launcher that numbers its nodes
 * ```
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ports are drawn from [LOW, HIGH): above the well-known and common service ports, below 32768. */
const LOW = 20_000;
const HIGH = 32_768;
const RESERVATIONS = join(tmpdir(), 'superhero-dispatch-test-ports');
/** Ports this process holds: true when a reservation file of ours names it. */
const held = new Map<number, boolean>();
let directoryMade = false;
let releaseOnExit = false;

const fileOf = (port: number): string => join(RESERVATIONS, String(port));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // The wildcard address: a port taken on any interface (or on loopback only) is refused.
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseAll(): void {
  for (const port of [...held.keys()]) release(port);
}

function release(port: number): void {
  const withFile = held.get(port);
  held.delete(port);
  if (!withFile) return;
  try {
    unlinkSync(fileOf(port));
  } catch {
    // Already gone: nothing to release.
  }
}

/**
 * Reserves `port` for this process until it exits; false when a live process (this one included)
 * holds it. `freePort` reserves what it hands out; this is for a test that needs to hold a known port.
 */
export function reservePort(port: number): boolean {
  if (held.has(port)) return false;
  const file = fileOf(port);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      if (!directoryMade) mkdirSync(RESERVATIONS, { recursive: true });
      directoryMade = true;
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      if (!releaseOnExit) process.once('exit', releaseAll);
      releaseOnExit = true;
      held.set(port, true);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // No shared directory to reserve in (another user's, a read-only disk): this process
        // still never hands a port out twice.
        held.set(port, false);
        return true;
      }
    }
    let holder: number;
    try {
      holder = Number(readFileSync(file, 'utf8'));
    } catch {
      // Released between the two calls: try again.
      continue;
    }
    // A holder still writing its pid reads as 0 or NaN: treat it as alive.
    if (!(holder > 0) || alive(holder)) return false;
    try {
      unlinkSync(file);
    } catch {
      // Taken over by someone else meanwhile; the exclusive create decides.
    }
  }
  return false;
}

/** One free port. */
export async function freePort(): Promise<number> {
  return freePortRun(1);
}

/** The first of `n` consecutive free ports, none reserved by a live process (this one included). */
export async function freePortRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const base = LOW + Math.floor(Math.random() * (HIGH - LOW - n));
    // The ports this attempt reserved: given back if the run is not free after all.
    const mine: number[] = [];
    let free = true;
    for (let i = 0; i < n && free; i++) {
      free = reservePort(base + i);
      if (free) mine.push(base + i);
      free &&= await portFree(base + i);
    }
    if (free) return base;
    for (const port of mine) release(port);
  }
  throw new Error(`no run of ${n} free ports found below ${HIGH}`);
}
