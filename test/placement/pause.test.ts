/**
 * A node paused (a long GC, a VM migration, SIGSTOP) and resumed in AP mode: while it stands still
 * the others take its children over; once it runs again it finds its own copies outdated, the
 * others hand the children back, and every child must end up running exactly once through the
 * events alone — without the resumed node taking the others' children on the news of their
 * closed connections. The supervisors here sweep only once a minute and the test waits half of that, so
 * a child the event path leaves unhosted fails the test instead of being rescued by the sweep.
 *
 * The paused member runs in a worker thread (`pausable-member.ts`) whose event loop is blocked,
 * which is what a stopped process looks like to its peers. Seeded: the seed picks the number of
 * children and the length of the pause (`PAUSE_SEED` replays one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { rendezvous } from '../../packages/runtime/src/placement/index.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';
import { waitFor } from '../cluster/helpers.ts';
import { apMember, shutdown } from './members.ts';
import type { Member } from './members.ts';

const SWEEP_MS = 60_000;
const WITHIN_MS = SWEEP_MS / 2;

interface Paused {
  readonly name: string;
  call(op: string, extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
  readonly worker: Worker;
}

async function pausable(name: string, seeds: Member[]): Promise<Paused> {
  // A worker thread does not inherit the TypeScript loader: it registers it, then loads the member.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const script = JSON.stringify(new URL('./pausable-member.ts', import.meta.url).href);
  const worker = new Worker(`import(${tsx}).then((m) => { m.register(); return import(${script}); })`, {
    eval: true,
    workerData: { name, seeds: seeds.map((m) => m.node.address.port), sweepMs: SWEEP_MS },
  });
  let ids = 0;
  const pending = new Map<number, (m: Record<string, unknown>) => void>();
  const ready = new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: Record<string, unknown>) => {
      if (typeof m['ready'] === 'string') resolve(m['ready']);
      const done = pending.get(m['id'] as number);
      pending.delete(m['id'] as number);
      done?.(m);
    });
  });
  const full = await ready;
  return {
    name: full,
    worker,
    call: (op, extra = {}) =>
      new Promise((resolve) => {
        const id = ++ids;
        pending.set(id, resolve);
        worker.postMessage({ id, op, ...extra });
      }),
  };
}

test('after a paused node resumes, every child runs exactly once through the events (AP)', async (t) => {
  const seed = Number(process.env['PAUSE_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  const random = seededRandom(seed);
  const n = 60 + Math.floor(random() * 90);
  const pauseMs = 2500 + Math.floor(random() * 2000);
  t.diagnostic(`seed ${seed}: ${n} children, pause ${pauseMs} ms`);
  const a = await apMember('pa', [], SWEEP_MS);
  const b = await apMember('pb', [a], SWEEP_MS);
  const threads: Paused[] = [];
  t.after(async () => {
    // Ending the thread closes its sockets, as the end of a process would.
    for (const p of threads) await p.worker.terminate();
    await shutdown([a, b]);
    await Promise.all([a.store.close(), b.store.close()]);
  });
  const c = await pausable('pc', [a, b]);
  threads.push(c);
  const keys = Array.from({ length: n }, (_, i) => `paused-${seed}-${i}`);
  const copies = async (): Promise<Map<string, number>> => {
    const count = new Map<string, number>(keys.map((k) => [k, 0]));
    const here = [
      ...a.sup.localKeys(),
      ...b.sup.localKeys(),
      ...((await c.call('local'))['keys'] as string[]),
    ];
    for (const k of here) count.set(k, (count.get(k) ?? 0) + 1);
    return count;
  };
  const exactlyOnce = async (): Promise<boolean> => [...(await copies()).values()].every((x) => x === 1);
  let last = '';
  const report = async (): Promise<string> => {
    const wrong = [...(await copies()).entries()].filter(([, x]) => x !== 1);
    const owners = wrong
      .slice(0, 8)
      .map(([k, x]) => `${k}×${x} owner ${a.sup.ownerOf(k) ?? '-'}/${b.sup.ownerOf(k) ?? '-'}`);
    return `seed ${seed}: ${wrong.length} children not running exactly once: ${owners.join(', ')}; a ${a.sup.localKeys().length} b ${b.sup.localKeys().length} peers ${a.node.nodes().length}/${b.node.nodes().length}`;
  };

  await waitFor(() => a.node.nodes().length === 2 && b.node.nodes().length === 2, 10_000, 'full mesh');
  await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'counter' }, 20_000)));
  await waitFor(exactlyOnce, WITHIN_MS, 'started');
  // The node about to pause hosts its share (under load placement may see it a moment after the
  // mesh does, and its children then move to it).
  let onC = 0;
  await waitFor(
    async () => (onC = ((await c.call('local'))['keys'] as string[]).length) >= 5 && (await exactlyOnce()),
    WITHIN_MS,
    'the node about to pause hosting children',
  ).catch((err: unknown) => {
    throw new Error(`seed ${seed}: the paused node hosts ${onC} children (${(err as Error).message})`);
  });

  // Settled where the strategy wants every child: a start placed while one node did not count the
  // paused-to-be node as a host yet is handed over to it once it does, and such a move after the
  // snapshot below is not what this test is about.
  const all = [a.node.name, b.node.name, c.name];
  await waitFor(
    async () =>
      keys.every((k) => a.sup.ownerOf(k) === rendezvous(k, all) && b.sup.ownerOf(k) === rendezvous(k, all)) &&
      (await exactlyOnce()),
    WITHIN_MS,
    'every child on the node its strategy picks',
  ).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}; ${await report()}`);
  });

  // What runs on the nodes that do not pause, and as which process.
  const before = new Map<string, number>();
  for (const m of [a, b]) for (const k of m.sup.localKeys()) before.set(k, m.sup.whereis(k)!.id);

  await c.call('pause', { ms: pauseMs });
  // The others took its children over while it stood still.
  await waitFor(
    async () => {
      last = await report();
      return exactlyOnce();
    },
    WITHIN_MS,
    'every child running exactly once after the resume',
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; ${last}`);
  });
  // The resumed node saw every peer close its connection, but claimed none of their children on
  // that news: what ran elsewhere before the pause still runs there, as the same process.
  for (const [k, id] of before) assert.equal(a.sup.whereis(k)?.id, id, `seed ${seed}: ${k} was moved`);
});
