// The busy-poll after cluster traffic: it keeps the event loop turning for about its budget,
// never when off or when the machine has no idle core, and backs off once spinning stops paying.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrafficSpin } from '../../src/cluster/traffic-spin.ts';

const idle = { loadAverage: () => 0, cores: 2 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('traffic keeps the loop polling for at most the budget, then lets it sleep', async () => {
  const spin = new TrafficSpin({ budgetUs: 2000, ...idle });
  spin.traffic();
  assert.equal(spin.spinning, true);
  await sleep(20);
  assert.equal(spin.spinning, false, 'still spinning well past the budget');
});

test('no spinning when turned off, or when the load average leaves no core idle', async () => {
  const off = new TrafficSpin({ budgetUs: 0, ...idle });
  off.traffic();
  assert.equal(off.spinning, false);
  let load = 1.5;
  const busy = new TrafficSpin({ budgetUs: 2000, loadAverage: () => load, cores: 2 });
  busy.traffic();
  assert.equal(busy.spinning, false, 'spun with a load of 1.5 on 2 cores');
  load = 0.2;
  busy.traffic();
  assert.equal(busy.spinning, false, 'the load is read at most once a second');
});

test('spins that catch a message keep it spinning; wasted ones make it spin only now and then', async () => {
  const spin = new TrafficSpin({ budgetUs: 500, ...idle });
  for (let i = 0; i < 10; i++) {
    spin.traffic();
    spin.traffic(true); // the reply, within the budget
    await sleep(3);
  }
  assert.ok(spin.successRate > 0.9, `success ${spin.successRate}`);
  for (let i = 0; i < 10; i++) {
    spin.traffic(); // nothing follows
    await sleep(3);
  }
  assert.ok(spin.successRate < 0.5, `success ${spin.successRate}`);
  let spun = 0;
  for (let i = 0; i < 64; i++) {
    spin.traffic();
    if (spin.spinning) spun++;
    await sleep(3); // well past the budget: a timer may fire up to a millisecond early
  }
  assert.ok(spun >= 1 && spun <= 3, `spun after ${spun} of 64 pieces of traffic`);
});
