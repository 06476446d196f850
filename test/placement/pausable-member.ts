/**
 * A placement member in a worker thread, so one test process can pause it the way SIGSTOP pauses
 * a node: `pause` blocks the worker's event loop in `Atomics.wait`, so its timers, sockets and
 * children all stand still while the kernel buffers what its peers send; when the wait ends it
 * finds, at once, everything that happened meanwhile.
 *
 * Started with `workerData` `{ name, seeds, sweepMs }` (seeds: loopback ports). Messages in:
 * `{ id, op: 'local' }` → `{ id, keys }` (children running here), `{ id, op: 'pause', ms }` →
 * `{ id }` after the pause. Ended with `worker.terminate()`. Sends `{ ready: name }` once started.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { COOKIE } from '../cluster/helpers.ts';
import { counter } from './members.ts';

const { name, seeds, sweepMs } = workerData as { name: string; seeds: number[]; sweepMs: number };
const port = parentPort!;
const node = await startNode({
  name,
  cookie: COOKIE,
  seeds: seeds.map((p) => ({ host: '127.0.0.1', port: p })),
});
const store = await startCrdtStore({ node });
const sup = await startDistributedSupervisor({
  node,
  store,
  kinds: { counter },
  reconcileIntervalMs: sweepMs,
  fullSweepIntervalMs: sweepMs,
});

port.on('message', (m: { id: number; op: string; ms?: number }) => {
  if (m.op === 'local') port.postMessage({ id: m.id, keys: sup.localKeys() });
  else if (m.op === 'pause') {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.ms ?? 0);
    port.postMessage({ id: m.id });
  }
});
port.postMessage({ ready: node.name, port: node.address.port });
