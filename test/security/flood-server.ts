/**
 * A web server over an in-memory service with 300 heroes, run as its own process by the flood
 * test so that the test's clients do not share its event loop. Sends `{ port }` over IPC once
 * listening; answers `'lag'` with its event-loop delay in ms (`{ lag: { p50, p99, max } }`) and `'rss'` with `{ rss }` in bytes (`'rss-gc'`: after a GC, with `--expose-gc`).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from '../dispatch-web/memory-service.ts';

const service = new MemoryDispatchService({ seed: 14 });
for (let i = 0; i < 300; i++) await service.createHero({});
const app = createWebServer(service);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
process.on('message', (msg) => {
  if (msg === 'lag') {
    process.send?.({
      lag: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
    });
    return;
  }
  if (msg !== 'rss' && msg !== 'rss-gc') return;
  if (msg === 'rss-gc') (globalThis as { gc?: () => void }).gc?.();
  process.send?.({ rss: process.memoryUsage().rss });
});
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
