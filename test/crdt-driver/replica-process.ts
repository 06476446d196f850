/**
 * A child process for the multi-process tests: one cluster node with a CrdtStore, driven by its
 * parent over the IPC channel (which does not depend on the mesh, so it reaches a node that is cut
 * off). Arguments: `name port seeds cookie`, seeds as `host:port,host:port`.
 *
 * Requests `{ id, op, ... }`, answers `{ id, ok, result | error }`:
 * `put {table,key,value}` → version · `delete {table,key}` · `list {table}` → entries ·
 * `status` → `{ summary, peers, replica, bootstrapped }` · `partition {side, others}` · `heal` ·
 * `refilled {timeoutMs}` → boolean. It sends `{ ready, name, replica }` once started.
 */
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { summaryKey } from '../../packages/runtime/src/crdt/driver/index.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';

const [name = 'replica', port = '0', seeds = '', cookie = 'crdt-multiprocess-cookie'] = process.argv.slice(2);
const node = await startNode({
  name,
  cookie,
  port: Number(port),
  seeds: seeds
    .split(',')
    .filter((s) => s !== '')
    .map((s) => {
      const [host = '127.0.0.1', p = '0'] = s.split(':');
      return { host, port: Number(p) };
    })
    .filter((s) => s.port !== Number(port)),
});
const store = await startCrdtStore({ node });

interface Request {
  readonly id: number;
  readonly op: string;
  readonly table?: string;
  readonly key?: string;
  readonly value?: unknown;
  readonly side?: string[];
  readonly others?: string[];
  readonly timeoutMs?: number;
}

async function handle(r: Request): Promise<unknown> {
  const table = (): ReturnType<typeof store.table> => store.table(r.table ?? 'default');
  switch (r.op) {
    case 'put':
      return table().put(r.key ?? '', r.value);
    case 'delete':
      return table().delete(r.key ?? '');
    case 'list':
      return table().list();
    case 'status':
      return {
        summary: summaryKey(store.summary()),
        peers: store.driver.peers().size,
        replica: store.driver.id,
        bootstrapped: store.driver.bootstrapped,
      };
    case 'partition':
      node.faults.partition(r.side ?? [], r.others ?? []);
      return null;
    case 'heal':
      node.faults.heal();
      return null;
    case 'refilled':
      return store.refilled(r.timeoutMs ?? 5000);
    default:
      throw new Error(`unknown op ${r.op}`);
  }
}

process.on('message', (message: Request) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result }),
    (err: unknown) => process.send?.({ id: message.id, ok: false, error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true, name: node.name, replica: store.driver.id });
