/** A node process hosting the benchmark's echo actor (registered as `echo`). Prints its node name. */
import { startNode } from '../../src/cluster/node.ts';
import type { Behaviour, CallResult } from '../../src/actor/index.ts';

const echo: Behaviour<number, void, unknown, unknown, unknown> = {
  init: () => 0,
  handleCall: (msg, _f, n): CallResult<number, unknown> =>
    msg === 'count' ? { reply: n, state: n } : { reply: msg, state: n },
  handleCast: (_m, n) => n + 1,
};

const node = await startNode({ name: 'benchserver', cookie: 'bench-cluster-cookie' });
await node.system.spawn(echo, undefined, { name: 'echo' });
console.log(JSON.stringify({ name: node.name, port: node.address.port }));
process.on('SIGTERM', () => process.exit(0));
