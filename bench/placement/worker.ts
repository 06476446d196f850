/**
 * A node process for bench/placement: one cluster node with a store (Raft tables or the CRDT map)
 * and a distributed supervisor on it, driven by the bench over IPC.
 *
 * Arguments: `name port seeds` (seeds `host:port,…`). Requests (`{ id, op, … }` → `{ id, … }`):
 * - `open { mode, voters, dataDir? }` → `{ name }`: opens the store (`raft` with these founding
 *   voters, durable in `dataDir` if given so that a restart recovers, or `crdt`) and starts the
 *   supervisor;
 * - `peers` → `{ peers, writable, role, sweepRepairs }` (what the supervisor's full sweep repaired);
 * - `start { keys, concurrency }` → `{ t0, t1, failed }`: `startChild` for each key, at most
 *   `concurrency` at a time;
 * - `local` → `{ keys }`: the keys running here;
 * - `lookup { rounds }` → `{ ns: number[], callMs: number[] }`: `whereis` of every key this node
 *   does not host (timed one by one), and a `call` through the placement name to a sample of them;
 * - `watch { keys, victim, timeoutMs }` → `{ t: (number | null)[] }`: once `victim` is no longer
 *   connected, polls `whereis` every 2 ms and reports, per key, when it first resolves again;
 * - `partition { a, b }`, `heal`: fault injection on this node's transport;
 * - `leave` (graceful: children handed off, goodbye to the peers) and `halt` (supervisor and store
 *   stopped, connections closed without a goodbye, as a node stopping itself does) → `{ t, down }`
 *   (began, node stopping): answered, then the process exits once its last events are sent.
 *
 * Events: `{ ev: [[key, running, t], …] }`, batched every 5 ms, when a child starts (1) or stops (0)
 * here. `t` is `process.hrtime` in ms (CLOCK_MONOTONIC, shared by every process on one Linux
 * machine), so the bench can subtract times taken in different processes.
 */
import type { Behaviour, CallResult } from '@superhero-dispatch/runtime/actor';
import { startNode } from '@superhero-dispatch/runtime/cluster';
import type { PlacedInit, PlacementCall, DistributedSupervisor } from '@superhero-dispatch/runtime/placement';
import { isPlacementCall, startDistributedSupervisor } from '@superhero-dispatch/runtime/placement';
import type { Store } from '@superhero-dispatch/runtime/store';
import { startCrdtStore, startRaftStore } from '@superhero-dispatch/runtime/store';
import { benchNodeLogger } from '../lib/node-logger.ts';

const [name = 'n', port = '0', seeds = ''] = process.argv.slice(2);
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A placed counter: the smallest child that hands its state over. */
const child: Behaviour<number, PlacedInit, { type: 'get' } | PlacementCall, unknown> = {
  name: 'bench-child',
  init: (init) => (typeof init.handoff === 'number' ? init.handoff : 0),
  handleCall(msg, _from, n): CallResult<number, unknown> {
    if (isPlacementCall(msg) && msg.$placement === 'merge')
      return { reply: 'ok', state: Math.max(n, msg.state as number) };
    return { reply: n, state: n };
  },
};

const node = await startNode({
  name,
  cookie: 'bench-placement-cookie',
  logger: benchNodeLogger,
  port: Number(port),
  seeds: seeds
    .split(',')
    .filter((s) => s !== '' && Number(s.split(':')[1]) !== Number(port))
    .map((s) => ({ host: s.split(':')[0] ?? '127.0.0.1', port: Number(s.split(':')[1]) })),
});

let store: Store | undefined;
let sup: DistributedSupervisor | undefined;
let events: [string, number, number][] = [];
setInterval(() => {
  if (events.length === 0) return;
  process.send?.({ ev: events });
  events = [];
}, 5).unref();

type Request = { id: number; op: string } & Record<string, unknown>;

async function handle(r: Request): Promise<Record<string, unknown>> {
  switch (r.op) {
    case 'open': {
      store =
        r['mode'] === 'raft'
          ? await startRaftStore({
              node,
              voters: r['voters'] as string[],
              ...(typeof r['dataDir'] === 'string' ? { dataDir: r['dataDir'] } : {}),
            })
          : await startCrdtStore({ node });
      sup = await startDistributedSupervisor({ node, store, kinds: { child } });
      sup.onLocalChange((key, running) => events.push([key, running ? 1 : 0, nowMs()]));
      return { name: node.name };
    }
    case 'peers':
      return {
        peers: node.nodes().length,
        writable: store?.writable() ?? false,
        role: store?.role() ?? '',
        sweepRepairs: sup?.stats().sweepRepairs ?? 0,
      };
    case 'start': {
      const keys = r['keys'] as string[];
      const s = sup!;
      let next = 0;
      let failed = 0;
      const t0 = nowMs();
      const lane = async (): Promise<void> => {
        while (next < keys.length) {
          const key = keys[next++]!;
          await s.startChild({ key, kind: 'child' }, 30_000).catch(() => failed++);
        }
      };
      await Promise.all(Array.from({ length: r['concurrency'] as number }, lane));
      return { t0, t1: nowMs(), failed };
    }
    case 'local':
      return { keys: sup!.localKeys() };
    case 'lookup': {
      const s = sup!;
      const local = new Set(s.localKeys());
      const remote = s.keys().filter((k) => !local.has(k));
      const ns: number[] = [];
      let found = 0;
      for (let round = 0; round < (r['rounds'] as number); round++) {
        for (const key of remote) {
          const a = process.hrtime.bigint();
          const pid = s.whereis(key);
          const b = process.hrtime.bigint();
          if (pid !== undefined) found++;
          ns.push(Number(b - a));
        }
      }
      const callMs: number[] = [];
      for (const key of remote.slice(0, 200)) {
        const a = nowMs();
        await node.system.call({ via: s, key }, { type: 'get' });
        callMs.push(nowMs() - a);
      }
      return { ns, callMs, found, remote: remote.length };
    }
    case 'watch': {
      const s = sup!;
      const keys = r['keys'] as string[];
      const t: (number | null)[] = keys.map(() => null);
      const deadline = nowMs() + (r['timeoutMs'] as number);
      while (node.isConnected(r['victim'] as string) && nowMs() < deadline) await sleep(1);
      let left = keys.length;
      while (left > 0 && nowMs() < deadline) {
        for (let i = 0; i < keys.length; i++) {
          if (t[i] === null && s.whereis(keys[i]!) !== undefined) {
            t[i] = nowMs();
            left--;
          }
        }
        await sleep(2);
      }
      return { t };
    }
    case 'partition':
      node.faults.partition(r['a'] as string[], r['b'] as string[]);
      return {};
    case 'heal':
      node.faults.heal();
      return {};
    case 'leave':
    case 'halt': {
      const t = nowMs();
      await sup!.stop({ handOff: r.op === 'leave' });
      await store!.close();
      const down = nowMs();
      await (r.op === 'leave' ? node.leave('bench') : node.stop());
      setImmediate(() => process.send?.({ ev: events }, () => process.exit(0)));
      return { t, down };
    }
    default:
      throw new Error(`unknown op ${r.op}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

process.on('message', (r: Request) => {
  handle(r).then(
    (answer) => process.send?.({ id: r.id, ...answer }),
    (err: unknown) => process.send?.({ id: r.id, error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
