// Three Raft store members as OS processes on loopback, with fsync. Under a write load from this
// process, the leader is killed with SIGKILL: no acknowledged write is lost, writes are accepted
// again without waiting out an election timeout (set to 60–120 s here, so only the dropped
// connection can have started the election), and the killed member, restarted from its data
// directory, catches up with everything written while it was down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, kill, launch, startMembers, status, waitFor, waitForLeader, type MemberProc } from './procs.ts';

test(
  'kill -9 of the leader under load: nothing acknowledged is lost, writes resume without an election timeout, the member comes back',
  { timeout: 360_000 },
  async (t) => {
    let stop = false;
    const cluster = await startMembers(
      ['gotham', 'metropolis', 'capitol'],
      ['--election-ticks', '1200', '--log-level', 'info'],
    );
    t.after(() => {
      // A failed assertion must not leave the writers looping: the file would never end.
      stop = true;
      return cluster.close();
    });
    const members = cluster.members;
    const leader = await waitForLeader(members);

    const acked = new Map<string, number>();
    const refused: string[] = [];
    let seq = 0;
    let killed = false;
    let firstAfterKill = 0;
    const alive = new Set<MemberProc>(members);
    const writer = async (w: number): Promise<void> => {
      while (!stop) {
        const targets = [...alive];
        const m = targets[(seq + w) % targets.length]!;
        const key = `k${seq++}`;
        const afterKill = killed;
        try {
          const r = await api<{ version?: number; error?: { code: string } }>(
            m,
            'PUT',
            `/kv/load/${key}?expect=0`,
            { w, key },
            10_000,
          );
          if (r.status === 200) {
            acked.set(key, r.body.version!);
            if (afterKill && firstAfterKill === 0) firstAfterKill = performance.now();
          } else {
            refused.push(`${key}@${m.short}: ${r.status} ${r.body.error?.code ?? ''}`);
          }
        } catch {
          // The connection died with the member: the outcome is unknown, so it is not counted.
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    await waitFor(() => acked.size >= 500, 30_000, '500 acknowledged writes');

    const killedAt = performance.now();
    await kill(leader);
    alive.delete(leader);
    killed = true;
    // Hang guard only, far below the election timeout: a write started after the leader died
    // needs a new leader, elected because the connection dropped.
    await waitFor(() => firstAfterKill > 0, 30_000, 'a write started after the kill accepted').catch(
      async (err: unknown) => {
        // Say what the survivors think: roles, terms and their last lines.
        for (const m of alive) {
          t.diagnostic(`${m.short}: ${JSON.stringify(await status(m))}`);
          t.diagnostic(`${m.short} output tail: ${m.output.slice(-3000)}`);
        }
        t.diagnostic(`refused writes: ${refused.slice(-5).join('; ')}`);
        throw err;
      },
    );
    const failoverMs = firstAfterKill - killedAt;
    const countAtFailover = acked.size;
    await waitFor(() => acked.size >= countAtFailover + 500, 30_000, '500 more writes');
    stop = true;
    await Promise.all(writers);
    t.diagnostic(
      `${acked.size} writes acknowledged; the first write started after the kill was acknowledged ${failoverMs.toFixed(0)} ms after it`,
    );
    t.diagnostic(
      `refused writes: ${refused.length}${refused.length > 0 ? ` (e.g. ${refused.slice(0, 3).join('; ')})` : ''}`,
    );
    assert.deepEqual(
      refused.filter((r) => r.includes('409')),
      [],
      'no write was applied twice',
    );

    // Every acknowledged write is on the survivors, at the version it was acknowledged with.
    const survivor = [...alive][0]!;
    for (const [key, version] of acked) {
      const r = await api<{ version: number }>(survivor, 'GET', `/kv/load/${key}`);
      assert.equal(r.status, 200, `${key} survives`);
      assert.equal(r.body.version, version, `${key} at its acknowledged version`);
    }

    // The killed member restarts from its data directory and catches up.
    const restartedAt = performance.now();
    await launch(leader);
    const target = (await status(survivor))!.commit;
    await waitFor(
      async () => ((await status(leader))?.applied ?? 0) >= target,
      30_000,
      'the restarted member catches up',
    );
    t.diagnostic(
      `the restarted member caught up to index ${target} in ${(performance.now() - restartedAt).toFixed(0)} ms (process start included)`,
    );
    let checked = 0;
    for (const [key, version] of acked) {
      if (checked++ % 7 !== 0) continue;
      const r = await api<{ version: number }>(leader, 'GET', `/kv/load/${key}?stale=1`);
      assert.equal(r.body.version, version, `${key} on the restarted member`);
    }
    const again = await api<{ version: number }>(leader, 'PUT', '/kv/load/after-restart', 1);
    assert.equal(again.status, 200);
  },
);
