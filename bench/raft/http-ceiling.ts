/**
 * The client-side ceiling of the HTTP rows of bench/raft: the same client (`HttpClient`) against a server
 * process that answers every request at once without doing anything. Puts/s through either store
 * cannot beat it, so it tells how much of a figure is the store and how much is HTTP.
 */
import { spawn } from 'node:child_process';
import { HttpClient } from '../lib/http-client.ts';
import { concurrent } from './workload.ts';

/**
 * The no-op server: raw TCP that answers each complete request (head, then `Content-Length`
 * bytes) with one canned 200, so the figure is the client's and not Node's HTTP server's.
 */
const SERVER = `
const OK = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: 2\\r\\n\\r\\n{}');
const s = require('node:net').createServer((sock) => {
  sock.setNoDelay(true);
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    let answers = 0;
    for (;;) {
      const end = buf.indexOf('\\r\\n\\r\\n');
      if (end < 0) break;
      const len = Number(/content-length: *(\\d+)/i.exec(buf.toString('latin1', 0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + len) break;
      buf = buf.subarray(end + 4 + len);
      answers++;
    }
    if (answers > 0) sock.write(answers === 1 ? OK : Buffer.concat(Array(answers).fill(OK)));
  });
  sock.on('error', () => sock.destroy());
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

/** Requests per second the bench's client completes against a no-op server with `inFlight` callers. */
export async function httpCeiling(n: number, inFlight: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const http = new HttpClient();
  try {
    const port = await new Promise<number>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString()))),
    );
    const put = async (i: number): Promise<void> => {
      await http.request(`http://127.0.0.1:${port}/k${i}`, { method: 'PUT', body: '"v"' });
    };
    await concurrent(Math.min(n, 1000), inFlight, put);
    const run = await concurrent(n, inFlight, put);
    return run.n / (run.ms / 1000);
  } finally {
    await http.close();
    child.kill('SIGKILL');
  }
}
