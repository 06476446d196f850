/**
 * `floodStreams` (`stream-flood.ts`) as a process of its own, driven over IPC by a test or a
 * benchmark that measures the node while the flood runs.
 *
 * ```ts
 * const worker = fork(STREAM_FLOOD_WORKER, [JSON.stringify({ port, attempts: 5000, clients: 20, inFlight: 500 })], {
 *   execArgv: ['--import', 'tsx'],
 * });
 * worker.on('message', (m) => m.started);  // true as the first attempts go out
 * worker.on('message', (m) => m.flooded);  // { outcomes, ms } once every attempt is answered
 * worker.send('release');                // closes the held streams and exits
 * ```
 *
 * The worker exits when told to release or when its parent goes (IPC disconnect), so no flood
 * outlives the process that started it.
 */
import type { StreamFloodOptions } from './stream-flood.ts';
import { floodStreams } from './stream-flood.ts';

// Exiting closes every held stream with the process's sockets.
process.on('disconnect', () => process.exit(0));
process.on('message', (msg) => {
  if (msg === 'release') process.exit(0);
});
const options = JSON.parse(process.argv[2] ?? '{}') as StreamFloodOptions;
process.send?.({ started: true });
const flood = await floodStreams(options);
process.send?.({ flooded: { outcomes: flood.outcomes, ms: flood.ms } });
