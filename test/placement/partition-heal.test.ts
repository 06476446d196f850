/**
 * AP: one node cut off runs every child on its side; after the heal each child runs exactly once,
 * through the events alone (sweep once a minute, the test waits half of that): the duplicates
 * merge away, and a child handed back while its copy was being stopped is claimed again at once.
 */
import { test } from 'node:test';
import { waitFor } from '../cluster/helpers.ts';
import { apMember, runningOn, shutdown, waitForHosts } from './members.ts';

const SWEEP_MS = 60_000;
const WITHIN_MS = SWEEP_MS / 2;

test('after a healed AP partition every child runs exactly once, through the events alone', async (t) => {
  const a = await apMember('ha', [], SWEEP_MS);
  const b = await apMember('hb', [a], SWEEP_MS);
  const c = await apMember('hc', [a, b], SWEEP_MS);
  const all = [a, b, c];
  t.after(async () => {
    await shutdown(all);
    await Promise.all(all.map((m) => m.store.close()));
  });
  await waitFor(() => all.every((m) => m.node.nodes().length === 2), 10_000, 'full mesh');
  await waitForHosts(all);
  const keys = Array.from({ length: 90 }, (_, i) => `heal-${i}`);
  await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'counter' }, 20_000)));
  await waitFor(() => keys.every((k) => runningOn(all, k) === 1), WITHIN_MS, 'started');

  for (const m of all) m.node.faults.partition(['hc'], ['ha', 'hb']);
  // The cut-off node runs every child on its side, the majority runs them all on its own.
  await waitFor(() => c.sup.localKeys().length === keys.length, WITHIN_MS, 'minority runs all');
  await waitFor(() => keys.every((k) => runningOn([a, b], k) === 1), WITHIN_MS, 'majority runs all');
  for (const m of all) m.node.faults.heal();

  let last = '';
  await waitFor(
    () => {
      const wrong = keys.filter((k) => runningOn(all, k) !== 1);
      last = `${wrong.length} not running exactly once: ${wrong.slice(0, 5).join(', ')}`;
      return wrong.length === 0 && all.every((m) => m.node.nodes().length === 2);
    },
    WITHIN_MS,
    'every child once after the heal',
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; ${last}`);
  });
});
