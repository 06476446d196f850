import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startProcs, stopProcs, upPeers, waitFor } from './procs.ts';

test(
  'three node processes: kill -9, SIGSTOP/SIGCONT, restart and rejoin',
  { timeout: 120_000 },
  async (t) => {
    const procs = await startProcs(['gotham', 'metropolis', 'capitol']);
    t.after(() => stopProcs(procs));
    const [gotham, metropolis, capitol] = procs as [(typeof procs)[0], (typeof procs)[0], (typeof procs)[0]];
    await waitFor(
      async () => (await upPeers(gotham)).length === 2 && (await upPeers(capitol)).length === 2,
      30_000,
      'full mesh',
    );

    // kill -9: the connection closes, so the survivors see it down at once
    metropolis.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(
      async () =>
        !(await upPeers(gotham)).includes('metropolis') && !(await upPeers(capitol)).includes('metropolis'),
      2000,
      'kill detected',
    );
    t.diagnostic(
      `kill -9 detected by both survivors within ${Date.now() - killedAt} ms (polling granularity ~20 ms)`,
    );

    // restart: it rejoins by itself
    launch(metropolis);
    await waitFor(
      async () => (await upPeers(gotham)).includes('metropolis') && (await upPeers(metropolis)).length === 2,
      30_000,
      'rejoin',
    );

    // SIGSTOP: a silent node is declared down by the failure detector within 2 s
    capitol.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await waitFor(
      async () =>
        !(await upPeers(gotham)).includes('capitol') && !(await upPeers(metropolis)).includes('capitol'),
      4000,
      'pause detected',
    );
    const detectMs = Date.now() - stoppedAt;
    t.diagnostic(`SIGSTOP detected within ${detectMs} ms`);
    assert.ok(detectMs < 2500, `silent node detected in ${detectMs} ms`);

    // SIGCONT: it comes back and the mesh heals
    capitol.child.kill('SIGCONT');
    await waitFor(
      async () => (await upPeers(gotham)).includes('capitol') && (await upPeers(capitol)).length === 2,
      20_000,
      'resume',
    );
  },
);
