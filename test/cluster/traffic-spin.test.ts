// The busy-poll after cluster traffic: it keeps the event loop turning for about its budget,
// never when off or when other processes leave no idle core, and backs off once spinning stops
// paying.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import {
  TrafficSpin,
  cpuOfOthers,
  othersBusyCores,
} from '../../packages/runtime/src/cluster/traffic-spin.ts';

const idle = { othersBusy: () => 0, cores: 2 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('traffic keeps the loop polling for at most the budget, then lets it sleep', async () => {
  const spin = new TrafficSpin({ budgetUs: 2000, ...idle });
  spin.traffic();
  assert.equal(spin.spinning, true);
  await sleep(20);
  assert.equal(spin.spinning, false, 'still spinning well past the budget');
});

test('no spinning when turned off, or when other processes leave less than half a core idle', async () => {
  const off = new TrafficSpin({ budgetUs: 0, ...idle });
  off.traffic();
  assert.equal(off.spinning, false);
  let others = 1.6;
  const busy = new TrafficSpin({ budgetUs: 2000, othersBusy: () => others, cores: 2 });
  busy.traffic();
  assert.equal(busy.spinning, false, 'spun while others used 1.6 of 2 cores');
  others = 0.2;
  busy.traffic();
  assert.equal(busy.spinning, false, 'the CPU of others is read at most once a second');
  const peer = new TrafficSpin({ budgetUs: 2000, othersBusy: () => 1.2, cores: 2 });
  peer.traffic();
  assert.equal(peer.spinning, true, 'a peer spinning on the other core (1.2 of 2) must not stop it');
});

test('the CPU of others is the machine busy time less our own, per elapsed time', () => {
  const from = { at: 1000, machineBusyMs: 50_000, ownMs: 2_000 };
  // 1 s later: the machine was busy 1.5 s in all (both cores), 0.4 s of it ours.
  assert.equal(othersBusyCores(from, { at: 2000, machineBusyMs: 51_500, ownMs: 2_400 }), 1.1);
  assert.equal(othersBusyCores(from, { at: 2000, machineBusyMs: 50_300, ownMs: 2_400 }), 0, 'never below 0');
  assert.equal(othersBusyCores(from, from), 0, 'no time passed');
});

test('the default reading of the CPU of others sees a busy child process', async () => {
  const read = cpuOfOthers();
  assert.equal(read(), 0, 'a reading before 200 ms have passed is the previous one (0 at first)');
  const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 700; while (Date.now() < end);']);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await sleep(600);
  const busy = read();
  await exited;
  assert.ok(busy > 0.4, `others used ${busy} cores while a child process busy-looped`);
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
