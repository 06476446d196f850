/**
 * bench/cache: the API-cache example measured as the original measured it (Benchee, its four batch
 * strategies over todos 1..20), cached and uncached, then the stores side by side (process, memory,
 * disk, Raft with and without stale reads, CRDT; the replicated ones on three in-process nodes): one cached
 * fetch, a cached batch, and a cold batch (every fetch a miss: upstream round trip plus a store
 * write). The upstream stand-in runs in this process on loopback; its latency is 10 ms for the
 * strategies (so concurrency shows) and 0 for the store comparison (so the store shows). The cached
 * strategies also run on Erlang/OTP (ETS, processes as tasks) when `escript` is installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { startNode } from '@superhero-dispatch/runtime/cluster';
import type { RaftStore, Store } from '@superhero-dispatch/runtime/store';
import { DiskStore, startCrdtStore, startRaftStore } from '@superhero-dispatch/runtime/store';
import type { CacheBackend } from '../../examples/api-cache/backend.ts';
import { storeBackend } from '../../examples/api-cache/backend.ts';
import { memoryBackend } from '../../examples/api-cache/memory-backend.ts';
import { TodoCache } from '../../examples/api-cache/cache.ts';
import { startProcessBackend } from '../../examples/api-cache/process-state.ts';
import { STRATEGIES, asyncedStream, range } from '../../examples/api-cache/strategies.ts';
import { startTodoServer } from '../../examples/api-cache/upstream.ts';
import { runEscript } from '../lib/erlang.ts';
import type { BenchResult, Suite } from '../lib/types.ts';
import type { JobStats, MeasureOptions } from './benchee.ts';
import { benchee, measure } from './benchee.ts';

const IDS = range(1, 20);
const PEER = 'Erlang/OTP (ETS, processes)';

/** A cache whose backend can be replaced by an empty one before each run. */
interface Subject {
  readonly label: string;
  /** A fresh, empty backend (run `k`). */
  fresh(k: number): Promise<CacheBackend>;
  close(): Promise<void>;
}

function storeSubject(label: string, store: Store, options: { staleReads?: boolean } = {}): Subject {
  return {
    label,
    fresh: (k) => Promise.resolve(storeBackend(store, { table: `todos-${k}`, ...options })),
    close: () => store.close(),
  };
}

async function strategies(
  log: (l: string) => void,
  timing: MeasureOptions,
  upstream: string,
): Promise<BenchResult[]> {
  const cached = new TodoCache({ backend: memoryBackend(), upstream });
  await STRATEGIES.yield_many_asynced_stream!(IDS, (id) => cached.fetchTodoNow(id));
  const warm: JobStats[] = [];
  const cold: JobStats[] = [];
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    log(`cached: ${name}`);
    warm.push(await measure(name, () => strategy(IDS, (id) => cached.fetchTodoNow(id)), timing));
  }
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    log(`no cache: ${name}`);
    let cache = new TodoCache({ backend: memoryBackend(), upstream });
    const before = (): void => {
      cache = new TodoCache({ backend: memoryBackend(), upstream });
    };
    cold.push(
      await measure(name, () => strategy(IDS, (id) => cache.fetchTodoNow(id)), { ...timing, before }),
    );
  }
  log(`running the cached workload on Erlang/OTP (if installed)`);
  const erl = runEscript('cache/peer.escript', [String(IDS.length), String(timing.timeMs)]);
  for (const line of benchee('Cached (memory store, the ETS analogue), todos 1..20', warm).split('\n'))
    log(line);
  if (erl) {
    const peer = Object.entries(erl)
      .filter(([k]) => k !== 'hit')
      .map(([k, v]) => ({
        name: k,
        ips: v,
        averageNs: 1e9 / v,
        deviationPct: 0,
        medianNs: 1e9 / v,
        p99Ns: 1e9 / v,
        runs: 0,
      }));
    for (const line of benchee(`Cached on ${PEER} (ips only; other columns are 1/ips)`, peer).split('\n'))
      log(line);
  }
  for (const line of benchee('No cache (upstream latency 10 ms), todos 1..20', cold).split('\n')) log(line);
  const results: BenchResult[] = [];
  for (const j of warm) {
    const peerValue = erl?.[j.name];
    results.push({
      name: `cached ${j.name}`,
      value: j.ips,
      unit: 'runs/s',
      higherIsBetter: true,
      ...(peerValue === undefined ? {} : { peer: PEER, peerValue }),
    });
  }
  for (const j of cold)
    results.push({ name: `no cache ${j.name}`, value: j.ips, unit: 'runs/s', higherIsBetter: true });
  if (erl?.hit !== undefined) {
    const hit = await measure('hit', () => cached.fetchTodoNow(1), timing);
    results.push({
      name: 'cached fetch (memory)',
      value: hit.ips,
      unit: 'fetches/s',
      higherIsBetter: true,
      peer: PEER,
      peerValue: erl.hit,
    });
  }
  return results;
}

async function raftCluster(dir: string): Promise<{ nodes: ClusterNode[]; stores: RaftStore[] }> {
  const nodes = await Promise.all(
    ['r1', 'r2', 'r3'].map((name) => startNode({ name, cookie: 'bench-cache-cookie' })),
  );
  for (const n of nodes.slice(1)) n.addPeer(nodes[0]!.address);
  const voters = nodes.map((n) => n.name);
  const stores = await Promise.all(
    nodes.map((node) => startRaftStore({ node, voters, dataDir: join(dir, node.shortName) })),
  );
  const deadline = Date.now() + 20_000;
  while (!stores.every((s) => s.writable())) {
    if (Date.now() > deadline) throw new Error('raft cluster elected no leader in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { nodes, stores };
}

async function crdtCluster(): Promise<{ nodes: ClusterNode[]; stores: Store[] }> {
  const nodes = await Promise.all(
    ['d1', 'd2', 'd3'].map((name) => startNode({ name, cookie: 'bench-cache-cookie' })),
  );
  for (const n of nodes.slice(1)) n.addPeer(nodes[0]!.address);
  const deadline = Date.now() + 20_000;
  while (!nodes.every((n) => n.nodes().length === 2)) {
    if (Date.now() > deadline) throw new Error('crdt cluster did not mesh in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { nodes, stores: await Promise.all(nodes.map((node) => startCrdtStore({ node }))) };
}

async function stores(
  log: (l: string) => void,
  timing: MeasureOptions,
  upstream: string,
): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cache-'));
  const solo = await startNode({ name: 'bench-solo', cookie: 'bench-cache-cookie' });
  const raft = await raftCluster(dir);
  const raftStore = raft.stores[0]!;
  const crdt = await crdtCluster();
  const subjects: Subject[] = [
    {
      label: 'process',
      fresh: async (k) => startProcessBackend(solo.system, { name: `bench-cache-${k}` }),
      close: () => Promise.resolve(),
    },
    {
      label: 'memory',
      fresh: (k) => Promise.resolve(memoryBackend({ table: `todos-${k}` })),
      close: () => Promise.resolve(),
    },
    storeSubject('disk', await DiskStore.open(join(dir, 'disk'))),
    storeSubject('raft', raftStore),
    storeSubject('raft (stale reads)', raftStore, { staleReads: true }),
    storeSubject('crdt', crdt.stores[0]!),
  ];
  const hits: JobStats[] = [];
  const batches: JobStats[] = [];
  const colds: JobStats[] = [];
  let k = 0;
  try {
    for (const s of subjects) {
      log(`store ${s.label}`);
      const backend = await s.fresh(k++);
      const cache = new TodoCache({ backend, upstream });
      await asyncedStream(IDS, (id) => cache.fetchTodoNow(id));
      hits.push(await measure(s.label, () => cache.fetchTodoNow(1), timing));
      batches.push(await measure(s.label, () => asyncedStream(IDS, (id) => cache.fetchTodoNow(id)), timing));
      let current = new TodoCache({ backend: await s.fresh(k++), upstream });
      const before = async (): Promise<void> => {
        if (current.backend.mode === 'process') await current.backend.close();
        current = new TodoCache({ backend: await s.fresh(k++), upstream });
      };
      colds.push(
        await measure(s.label, () => asyncedStream(IDS, (id) => current.fetchTodoNow(id)), {
          ...timing,
          before,
        }),
      );
      if (backend.mode === 'process') await backend.close();
      if (current.backend.mode === 'process') await current.backend.close();
    }
  } finally {
    for (const s of subjects.filter((x) => x.label !== 'raft' && x.label !== 'raft (stale reads)'))
      await s.close();
    await Promise.all(raft.stores.map((s) => s.close()));
    await Promise.all([...raft.nodes, solo].map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [title, jobs] of [
    ['Stores: one cached fetch', hits],
    ['Stores: cached batch (asynced_stream, todos 1..20)', batches],
    ['Stores: cold batch (asynced_stream, 20 misses, upstream latency 0)', colds],
  ] as const) {
    for (const line of benchee(title, jobs).split('\n')) log(line);
  }
  return [
    ...hits.map((j) => ({ name: `store ${j.name}: cached fetch p50`, value: j.medianNs / 1000, unit: 'µs' })),
    ...batches.map((j) => ({
      name: `store ${j.name}: cached batch`,
      value: j.ips,
      unit: 'runs/s',
      higherIsBetter: true,
    })),
    ...colds.map((j) => ({
      name: `store ${j.name}: cold batch`,
      value: j.ips,
      unit: 'runs/s',
      higherIsBetter: true,
    })),
  ];
}

const suite: Suite = async ({ quick, log }) => {
  const timing: MeasureOptions = quick ? { warmupMs: 200, timeMs: 1000 } : { warmupMs: 1000, timeMs: 4000 };
  const slow = await startTodoServer({ latencyMs: 10 });
  const fast = await startTodoServer({ latencyMs: 0 });
  try {
    const a = await strategies(log, timing, slow.url);
    const storeTiming: MeasureOptions = quick
      ? { warmupMs: 100, timeMs: 500 }
      : { warmupMs: 500, timeMs: 2000 };
    const b = await stores(log, storeTiming, fast.url);
    return [...a, ...b];
  } finally {
    await Promise.all([slow.close(), fast.close()]);
  }
};

export default suite;
