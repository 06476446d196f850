/**
 * A web server over an in-memory service with 300 heroes, with a probe listener beside it, run as
 * its own process by the flood test so that the test's clients do not share its event loop. Sends
 * `{ ports: { port, probePort } }` over IPC once listening, then answers:
 * - `'reset'`: starts measuring event-loop delay and CPU time afresh (no answer);
 * - `'lag'`: `{ lag: { p50, p99, max, cpuMs } }`, the event-loop delay in ms and the CPU time in ms
 *   since the last reset;
 * - `'rss'`: `{ rss }` in bytes; `'rss-gc'`: the same after a GC (with `--expose-gc`).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startWebServer } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from '../dispatch-web/memory-service.ts';

const service = new MemoryDispatchService({ seed: 14 });
for (let i = 0; i < 300; i++) await service.createHero({});
const { app, probeUrl } = await startWebServer(service, { host: '127.0.0.1', port: 0, probePort: 0 });
const address = app.server.address();
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
let cpuAtReset = process.cpuUsage();

process.on('message', (msg) => {
  if (msg === 'reset') {
    lag.reset();
    cpuAtReset = process.cpuUsage();
  } else if (msg === 'lag') {
    const cpu = process.cpuUsage(cpuAtReset);
    const ms = (ns: number): number => ns / 1e6;
    process.send?.({
      lag: {
        p50: ms(lag.percentile(50)),
        p99: ms(lag.percentile(99)),
        max: ms(lag.max),
        cpuMs: (cpu.user + cpu.system) / 1000,
      },
    });
  } else if (msg === 'rss' || msg === 'rss-gc') {
    if (msg === 'rss-gc') (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ rss: process.memoryUsage().rss });
  }
});
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
process.send?.({
  ports: {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    probePort: Number(new URL(probeUrl ?? 'http://127.0.0.1:0').port),
  },
});
