/** A node process hosting the benchmark's echo actor (registered as `echo`). Prints its node name. */
import { startNode } from '@superhero-dispatch/runtime/cluster';
import type { Behaviour, CallResult } from '@superhero-dispatch/runtime/actor';
import { benchNodeLogger } from '../lib/node-logger.ts';

const echo: Behaviour<number, void, unknown, unknown, unknown> = {
  init: () => 0,
  handleCall: (msg, _f, n): CallResult<number, unknown> =>
    msg === 'count' ? { reply: n, state: n } : { reply: msg, state: n },
  handleCast: (_m, n) => n + 1,
};

const node = await startNode({
  name: 'benchserver',
  cookie: 'bench-cluster-cookie',
  logger: benchNodeLogger,
});
await node.system.spawn(echo, undefined, { name: 'echo' });
console.log(JSON.stringify({ name: node.name, port: node.address.port }));
process.on('SIGTERM', () => process.exit(0));
