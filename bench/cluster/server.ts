/** A node process hosting the benchmark's echo actor (registered as `echo`). Prints its node name. */
import { startNode, tuneV8ForServer } from '@superhero-dispatch/runtime/cluster';
import type { Behaviour, CallResult } from '@superhero-dispatch/runtime/actor';
import { benchNodeLogger } from '../lib/node-logger.ts';

const echo: Behaviour<number, void, unknown, unknown, unknown> = {
  init: () => 0,
  handleCall: (msg, _f, n): CallResult<number, unknown> =>
    msg === 'count' ? { reply: n, state: n } : { reply: msg, state: n },
  handleCast: (_m, n) => n + 1,
};

// A server, run as the CLI's nodes are: hot code optimized sooner (cluster/v8-tuning.ts).
tuneV8ForServer();
const node = await startNode({
  name: 'benchserver',
  cookie: 'bench-cluster-cookie',
  logger: benchNodeLogger,
});
await node.system.spawn(echo, undefined, { name: 'echo' });
console.log(JSON.stringify({ name: node.name, port: node.address.port }));
process.on('SIGTERM', () => process.exit(0));
