/**
 * A node process for bench/scaling: one cluster node on loopback TCP whose transport counts what
 * it sends (`TrafficCounter`). Driven over IPC (`bench/lib/ipc-worker.ts`).
 *
 * Arguments: `name port seeds` (seeds `host:port,…`). Requests: `{ op: 'peers' }` → `{ peers }`;
 * `{ op: 'measure', ms }` → heartbeat and total bytes and frames sent during `ms`, and the
 * process's CPU time over the same window (counted in a first window, CPU in a second one with
 * counting off, as in the in-process bench).
 */
import { startNode, TcpTransport } from '@superhero-dispatch/runtime/cluster';
import { MessageType } from '@superhero-dispatch/runtime/wire';
import { TrafficCounter } from './counting-transport.ts';
import { benchNodeLogger } from '../lib/node-logger.ts';

const [name = 'n', port = '0', seeds = ''] = process.argv.slice(2);
const counter = new TrafficCounter();
const node = await startNode({
  name,
  cookie: 'bench-scaling-cookie',
  logger: benchNodeLogger,
  seeds: seeds
    .split(',')
    .filter((s) => s !== '' && !s.endsWith(`:${port}`))
    .map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
  transport: (base) => counter.wrap(new TcpTransport({ ...base, host: '127.0.0.1', port: Number(port) })),
});
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

process.on('message', (m: { id: number; op: string; ms?: number }) => {
  void (async () => {
    if (m.op === 'peers') return process.send?.({ id: m.id, peers: node.nodes().length });
    if (m.op !== 'measure') return process.send?.({ id: m.id, error: `unknown op ${m.op}` });
    const ms = m.ms ?? 5000;
    counter.reset();
    let t0 = performance.now();
    await sleep(ms);
    const seconds = (performance.now() - t0) / 1000;
    const hbBytes = counter.bytesOf(MessageType.Heartbeat) / seconds;
    const hbFrames = counter.framesOf(MessageType.Heartbeat) / seconds;
    let total = 0;
    for (const b of counter.bytes.values()) total += b;
    counter.enabled = false;
    const cpu0 = process.cpuUsage();
    t0 = performance.now();
    await sleep(ms);
    const cpu = process.cpuUsage(cpu0);
    const cpuFraction = (cpu.user + cpu.system) / ((performance.now() - t0) * 1000);
    counter.enabled = true;
    process.send?.({ id: m.id, hbBytes, hbFrames, totalBytes: total / seconds, cpu: cpuFraction });
  })();
});
process.on('SIGTERM', () => void node.stop().then(() => process.exit(0)));
process.send?.({ ready: true });
