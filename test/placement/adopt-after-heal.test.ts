/**
 * AP: after a healed partition every child runs on both sides, and the records converge on one
 * owner per child — often not the node the strategy wants. The wanted node keeps the copy it ran
 * through the partition and adopts the record once the other side hands the child over: the copy
 * that survives is the one that ran before the heal (same process), never a restart of it. Before,
 * the wanted node stopped its copy on seeing the converged record and started a new one when the
 * release arrived, leaving each child unhosted in between.
 *
 * Seeded: the seed picks the number of children and which node is cut off (`ADOPT_SEED` replays
 * one). The supervisors sweep once a minute and the test waits half of that, so what it sees is
 * the events' doing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';
import { waitFor } from '../cluster/helpers.ts';
import { apMember, runningOn, shutdown, waitForHosts } from './members.ts';

const SWEEP_MS = 60_000;
const WITHIN_MS = SWEEP_MS / 2;

test('after a healed AP partition the wanted node keeps its running copy and adopts the record', async (t) => {
  const seed = Number(process.env['ADOPT_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  const random = seededRandom(seed);
  const n = 40 + Math.floor(random() * 60);
  const a = await apMember('aa', [], SWEEP_MS);
  const b = await apMember('ab', [a], SWEEP_MS);
  const c = await apMember('ac', [a, b], SWEEP_MS);
  const all = [a, b, c];
  const cut = all[Math.floor(random() * all.length)]!;
  const rest = all.filter((m) => m !== cut);
  t.diagnostic(`seed ${seed}: ${n} children, ${cut.node.name} cut off`);
  t.after(async () => {
    await shutdown(all);
    await Promise.all(all.map((m) => m.store.close()));
  });
  await waitFor(() => all.every((m) => m.node.nodes().length === 2), 10_000, 'full mesh');
  await waitForHosts(all);
  const keys = Array.from({ length: n }, (_, i) => `adopt-${seed}-${i}`);
  await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'counter' }, 20_000)));
  await waitFor(() => keys.every((k) => runningOn(all, k) === 1), WITHIN_MS, 'started');

  const short = (name: string): string => name.split('@')[0]!;
  for (const m of all)
    m.node.faults.partition(
      [short(cut.node.name)],
      rest.map((r) => short(r.node.name)),
    );
  await waitFor(() => cut.sup.localKeys().length === keys.length, WITHIN_MS, 'cut-off side runs all');
  await waitFor(() => keys.every((k) => runningOn(rest, k) === 1), WITHIN_MS, 'other side runs all');
  // Every child runs twice now; which process runs it on each node.
  const before = new Map<string, Map<string, number>>();
  for (const m of all)
    before.set(m.node.name, new Map(m.sup.localKeys().map((k) => [k, m.sup.whereis(k)?.id ?? -1])));
  const pidOn = (m: (typeof all)[number], k: string): number | undefined => {
    const rec = m.sup.ownerOf(k) === m.node.name ? m.sup.whereis(k) : undefined;
    return rec?.id;
  };
  for (const m of all) m.node.faults.heal();

  let last = '';
  await waitFor(
    () => {
      const wrong = keys.filter(
        (k) => runningOn(all, k) !== 1 || all.some((m) => m.sup.whereis(k) === undefined),
      );
      last = `${wrong.length} not settled: ${wrong.slice(0, 5).join(', ')}`;
      return wrong.length === 0 && all.every((m) => m.node.nodes().length === 2);
    },
    WITHIN_MS,
    'every child once after the heal',
  ).catch((err: unknown) => {
    throw new Error(`seed ${seed}: ${(err as Error).message}; ${last}`);
  });
  const restarted: string[] = [];
  for (const k of keys) {
    const host = all.find((m) => m.sup.localKeys().includes(k))!;
    const ran = before.get(host.node.name)?.get(k);
    const now = pidOn(host, k);
    if (ran === undefined || now !== ran) restarted.push(`${k} on ${host.node.name} (${ran} → ${now})`);
  }
  assert.deepEqual(restarted, [], `seed ${seed}: children restarted instead of kept`);
});
