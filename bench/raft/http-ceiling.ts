/**
 * The client-side ceiling of the HTTP rows of bench/raft: the same client, in the same mode
 * (connections × pipeline depth), against a server process that answers every
 * request at once without doing anything. No HTTP row can beat it, so it tells how much of a
 * figure is the store and how much is the load generator; the suite reports it against the
 * highest HTTP rate it measured.
 */
import { spawn } from 'node:child_process';
import { HttpClient, type HttpClientOptions } from '../lib/http-client.ts';
import { concurrent } from './workload.ts';

/**
 * The no-op server: raw TCP that answers every complete request found in a read (head, then
 * `Content-Length` bytes, the header as the bench's client spells it) with a canned 200, all of a
 * read's answers in one write, so the figure is the client's and not Node's HTTP server's. It
 * keeps only the incomplete rest of a read and copies it only when the next read completes it.
 */
const SERVER = `
const OK = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: 2\\r\\n\\r\\n{}');
const OKS = Buffer.concat(Array(256).fill(OK));
const END = Buffer.from('\\r\\n\\r\\n');
const LEN = Buffer.from('\\r\\nContent-Length: ');
const s = require('node:net').createServer((sock) => {
  sock.setNoDelay(true);
  let rest;
  sock.on('data', (d) => {
    const buf = rest === undefined ? d : Buffer.concat([rest, d]);
    let at = 0;
    let answers = 0;
    for (;;) {
      const end = buf.indexOf(END, at);
      if (end < 0) break;
      const l = buf.indexOf(LEN, at);
      let len = 0;
      if (l >= 0 && l < end) for (let i = l + LEN.length; buf[i] >= 48 && buf[i] <= 57; i++) len = len * 10 + buf[i] - 48;
      if (buf.length < end + 4 + len) break;
      at = end + 4 + len;
      answers++;
    }
    rest = at < buf.length ? buf.subarray(at) : undefined;
    for (; answers > 256; answers -= 256) sock.write(OKS);
    if (answers > 0) sock.write(OKS.subarray(0, answers * OK.length));
  });
  sock.on('error', () => sock.destroy());
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

export interface Ceiling {
  /** Requests per second completed. */
  readonly rate: number;
  /**
   * CPU time of this process per request, µs (user and system, the whole process): what the
   * client costs whatever the other processes on the machine get.
   */
  readonly cpuUs: number;
}

/**
 * How fast the bench's client, configured with `options`, completes requests against a no-op
 * server with `inFlight` callers.
 */
export async function httpCeiling(n: number, inFlight: number, options: HttpClientOptions): Promise<Ceiling> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const http = new HttpClient(options);
  try {
    const port = await new Promise<number>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString()))),
    );
    const put = async (i: number): Promise<void> => {
      await http.request(`http://127.0.0.1:${port}/k${i}`, { method: 'PUT', body: '"v"' });
    };
    await concurrent(Math.min(n, 20_000), inFlight, put);
    const cpu = process.cpuUsage();
    const run = await concurrent(n, inFlight, put);
    const used = process.cpuUsage(cpu);
    return { rate: run.n / (run.ms / 1000), cpuUs: (used.user + used.system) / run.n };
  } finally {
    await http.close();
    child.kill('SIGKILL');
  }
}
