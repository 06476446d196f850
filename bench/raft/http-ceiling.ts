/**
 * The client-side ceiling of the HTTP rows of bench/raft: the same fetch client against a server
 * process that answers every request at once without doing anything. Puts/s through either store
 * cannot beat it, so it tells how much of a figure is the store and how much is HTTP.
 */
import { spawn } from 'node:child_process';
import { concurrent } from './workload.ts';

const SERVER = `
const s = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }); res.end('{}'); });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

/** Requests per second the fetch client completes against a no-op server with `inFlight` callers. */
export async function httpCeiling(n: number, inFlight: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString()))),
    );
    const put = async (i: number): Promise<void> => {
      const res = await fetch(`http://127.0.0.1:${port}/k${i}`, { method: 'PUT', body: '"v"' });
      await res.arrayBuffer();
    };
    await concurrent(Math.min(n, 1000), inFlight, put);
    const run = await concurrent(n, inFlight, put);
    return run.n / (run.ms / 1000);
  } finally {
    child.kill('SIGKILL');
  }
}
