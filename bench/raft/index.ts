/**
 * bench/raft: the CP store against etcd 3.4 on the same machine, both as 3 member processes on
 * loopback with fsync on, driven from this one client process over HTTP/JSON with Node's fetch
 * (keep-alive): sequential put latency and rate, puts/s with 16 and 64 in flight, linearizable
 * gets/s with 64 in flight, change-feed latency (write on the leader, subscriber on another member)
 * and the time from a leader kill -9 to the next acknowledged write (median of several kills).
 * Our embedded API (load generated inside the leader's process) is reported on its own rows.
 * etcd is skipped when `/usr/bin/etcd` is missing.
 */
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, sortedCopy } from '../lib/stats.ts';
import type { BenchResult, Suite } from '../lib/types.ts';
import { etcdAvailable, startEtcd } from './etcd.ts';
import { startOurs } from './ours.ts';
import {
  concurrentGets,
  concurrentPuts,
  failover,
  feedLatency,
  sequentialPuts,
  type BenchTarget,
} from './workload.ts';

interface Sizes {
  sequential: number;
  c16: number;
  c64: number;
  gets: number;
  feed: number;
  kills: number;
}

type Figures = Record<string, number>;

async function measure(t: BenchTarget, s: Sizes, log: (l: string) => void): Promise<Figures> {
  const t0 = performance.now();
  const at = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  log(`${t.name}: sequential puts`);
  const seq = await sequentialPuts(t, s.sequential);
  log(`${t.name}: puts with 16 and 64 in flight`);
  const c16 = await concurrentPuts(t, s.c16, 16);
  const c64 = await concurrentPuts(t, s.c64, 64);
  log(`${t.name}: linearizable gets with 64 in flight`);
  const gets = await concurrentGets(t, s.gets, 64, Math.min(s.c64, 10_000));
  log(`${t.name}: change feed`);
  const feed = await feedLatency(t, s.feed);
  log(`${t.name}: leader kills (${at()})`);
  const kills = await failover(t, s.kills, log);
  log(`${t.name}: done (${at()})`);
  return {
    seqP50: seq.p50,
    seqP99: seq.p99,
    seqRate: seq.perSec,
    c16,
    c64,
    gets,
    feedAck: feed.afterAckP50,
    feedAck99: feed.afterAckP99,
    feedE2e: feed.endToEndP50,
    failover: median(kills),
  };
}

/** fdatasync latency of this machine's temp disk, for context. */
async function fsyncProbe(): Promise<number> {
  const path = join(tmpdir(), `bench-fsync-${process.pid}`);
  const fh = await open(path, 'a');
  const buf = Buffer.alloc(300, 1);
  const samples: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await fh.write(buf);
      await fh.datasync();
      samples.push(performance.now() - t0);
    }
  } finally {
    await fh.close();
    await rm(path, { force: true });
  }
  return percentile(sortedCopy(samples), 50);
}

const suite: Suite = async ({ quick, log }) => {
  const sizes: Sizes = quick
    ? { sequential: 300, c16: 2000, c64: 5000, gets: 8000, feed: 100, kills: 3 }
    : { sequential: 2000, c16: 10_000, c64: 20_000, gets: 30_000, feed: 500, kills: 5 };
  const fsyncMs = await fsyncProbe();
  log(`disk fdatasync p50 ${fsyncMs.toFixed(3)} ms`);

  let peer: Figures | undefined;
  if (etcdAvailable()) {
    const etcd = await startEtcd();
    try {
      peer = await measure(etcd, sizes, log);
    } finally {
      await etcd.close();
    }
  } else {
    log('etcd not installed (/usr/bin/etcd): measuring ours alone');
  }

  const ours = await startOurs();
  let mine: Figures;
  let embeddedPuts: number;
  let embeddedGets: number;
  try {
    mine = await measure(ours, sizes, log);
    log('ours: embedded API inside the leader process');
    embeddedPuts = await ours.embedded('put', sizes.c64, 64);
    embeddedGets = await ours.embedded('get', sizes.gets, 64);
  } finally {
    await ours.close();
  }

  const row = (name: string, key: string, unit: string, higherIsBetter: boolean): BenchResult => ({
    name,
    value: mine[key]!,
    unit,
    higherIsBetter,
    ...(peer === undefined ? {} : { peer: 'etcd 3.4', peerValue: peer[key]! }),
  });
  return [
    row('sequential put p50 (HTTP)', 'seqP50', 'ms', false),
    row('sequential put p99 (HTTP)', 'seqP99', 'ms', false),
    row('sequential puts (HTTP)', 'seqRate', 'puts/s', true),
    row('puts, 16 in flight (HTTP)', 'c16', 'puts/s', true),
    row('puts, 64 in flight (HTTP)', 'c64', 'puts/s', true),
    row('linearizable gets, 64 in flight (HTTP)', 'gets', 'gets/s', true),
    row('change feed p50, after the write is acknowledged', 'feedAck', 'ms', false),
    row('change feed p99, after the write is acknowledged', 'feedAck99', 'ms', false),
    row('change feed p50, from the start of the write', 'feedE2e', 'ms', false),
    row('leader kill -9 → next acknowledged write (median)', 'failover', 'ms', false),
    {
      name: 'puts, 64 in flight (embedded API on the leader, no HTTP)',
      value: embeddedPuts,
      unit: 'puts/s',
      higherIsBetter: true,
    },
    {
      name: 'linearizable gets, 64 in flight (embedded API on the leader)',
      value: embeddedGets,
      unit: 'gets/s',
      higherIsBetter: true,
    },
    { name: 'disk fdatasync p50 (context)', value: fsyncMs, unit: 'ms', higherIsBetter: false },
  ];
};

export default suite;
