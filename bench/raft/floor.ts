/**
 * The physical floor of a sequential put on this machine, for context: what no store on it can
 * beat, so each latency row can be read as a distance from it. A put through a leader crosses
 * loopback four times (client → leader → follower → leader → client) and waits for one durable
 * write on a follower (the leader's own, made meanwhile, counts only if it ends first); and all
 * three members write at once, so that write is a flush among three on the same disk, slower than
 * a lone one. The write lands inside a file already long enough, as the members' log writes do
 * (preallocated segments); an append, which must also make the file's new size durable, is
 * measured too, for context.
 *
 * ```ts
 * const f = await putFloor(400);
 * f.ms; // two loopback round trips + one O_DSYNC write among three concurrent writers, p50
 * ```
 *
 * Both parts are measured with the cheapest code that does them — raw TCP ping-pong between two
 * processes, `O_DSYNC` writes of 300 bytes from three processes at once — so the floor leaves
 * out every cost of HTTP, encoding and the consensus code itself.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, sortedCopy } from '../lib/stats.ts';

export interface PutFloor {
  /** p50 of one TCP round trip between two processes on loopback, ms. */
  readonly roundTripMs: number;
  /** p50 of one 300-byte `O_DSYNC` write inside a preallocated file while two other processes write too, ms. */
  readonly writeAmongThreeMs: number;
  /** The same as appends that grow the file, ms (context: the floor uses the write above). */
  readonly appendAmongThreeMs: number;
  /** 2 × round trip + the write: the floor of a sequential put, ms. */
  readonly ms: number;
}

/** Echoes every byte it reads; prints its port. */
const ECHO = `
const s = require('node:net').createServer((c) => { c.setNoDelay(true); c.on('data', (d) => c.write(d)); c.on('error', () => {}); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

/**
 * Writes 300 bytes `n` times, one after the other, to an O_DSYNC file — appending, or inside a file
 * first made long enough (\`inside\`); prints the p50 in ms.
 */
const WRITER = `
const fs = require('node:fs');
const [path, n, mode] = [process.argv[1], Number(process.argv[2]), process.argv[3]];
const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DSYNC);
if (mode === 'inside') fs.ftruncateSync(fd, n * 300 + 4096);
const buf = Buffer.alloc(300, 7);
const t = [];
for (let i = 0; i < n; i++) { const s = process.hrtime.bigint(); fs.writeSync(fd, buf, 0, 300, i * 300); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
t.sort((a, b) => a - b);
console.log(t[Math.floor(t.length / 2)]);
`;

function output(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(text));
  });
}

async function roundTrip(n: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString()))),
    );
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    const samples: number[] = [];
    const ping = Buffer.alloc(64, 1);
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      let got = 0;
      await new Promise<void>((resolve) => {
        const onData = (d: Buffer): void => {
          got += d.length;
          if (got < ping.length) return;
          sock.off('data', onData);
          resolve();
        };
        sock.on('data', onData);
        sock.write(ping);
      });
      samples.push(performance.now() - t0);
    }
    sock.destroy();
    return percentile(sortedCopy(samples), 50);
  } finally {
    child.kill('SIGKILL');
  }
}

async function writeAmongThree(n: number, mode: 'inside' | 'append'): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-floor-'));
  try {
    const writers = [0, 1, 2].map((i) =>
      spawn(process.execPath, ['-e', WRITER, join(dir, `w${i}`), String(n), mode], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const p50s = (await Promise.all(writers.map(output))).map(Number);
    return median(p50s);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Measures the floor with `n` samples of each part. */
export async function putFloor(n: number): Promise<PutFloor> {
  const roundTripMs = await roundTrip(n);
  const writeAmongThreeMs = await writeAmongThree(n, 'inside');
  const appendAmongThreeMs = await writeAmongThree(n, 'append');
  return { roundTripMs, writeAmongThreeMs, appendAmongThreeMs, ms: 2 * roundTripMs + writeAmongThreeMs };
}
