/**
 * The etcd column of bench/dispatch: the same three city nodes with `--store etcd`, on a local
 * 3-member etcd cluster started from the `etcd` binary (skipped, and said so, when it is not
 * installed). The etcd members' CPU is measured beside the nodes' over the whole mode.
 *
 * ```ts
 * const etcd = await startEtcdForBench(log);        // undefined without the binary
 * if (etcd) { … runMode(etcd.cluster, …); etcd.report(log); await etcd.stop(); }
 * ```
 *
 * When not to use: to size a production etcd. Its members share the machine's cores and disk with
 * the nodes and the load generator; a real etcd runs on machines of its own.
 */
import type { BenchResult } from '../lib/types.ts';
import type { EtcdCluster } from '@superhero-dispatch/runtime/testing';
import { etcdBinary, ETCD_INSTALL_HINT, startEtcdCluster } from '@superhero-dispatch/runtime/testing';
import { startBenchCluster } from './cluster.ts';
import type { BenchCluster } from './cluster.ts';
import { readProcStat } from './proc-stat.ts';

export interface EtcdBench {
  readonly cluster: BenchCluster;
  readonly etcd: EtcdCluster;
  /** CPU of the etcd members since the start of the mode, in cores, as a result and a log line. */
  report(log: (line: string) => void): BenchResult[];
  stop(): Promise<void>;
}

const cpu = (pids: readonly number[]): number =>
  pids.reduce((sum, pid) => sum + (readProcStat(pid)?.cpuSeconds ?? 0), 0);

export async function startEtcdForBench(
  names: readonly string[],
  log: (line: string) => void,
): Promise<EtcdBench | undefined> {
  const binary = etcdBinary();
  if (binary === undefined) {
    log(`etcd: not measured, etcd is not installed (${ETCD_INSTALL_HINT})`);
    return undefined;
  }
  const etcd = await startEtcdCluster({ binary });
  let cluster: BenchCluster;
  try {
    cluster = await startBenchCluster({
      names,
      store: 'etcd',
      extraArgs: () => ['--etcd-endpoints', etcd.endpoints.join(',')],
      // A loaded machine starts tsx processes slowly; etcd runs alone, after the others.
      readyTimeoutMs: 150_000,
    });
  } catch (err) {
    await etcd.stop();
    throw err;
  }
  const pids = etcd.pids();
  const from = { cpu: cpu(pids), at: performance.now() };
  return {
    cluster,
    etcd,
    report(log) {
      const cores = (cpu(pids) - from.cpu) / ((performance.now() - from.at) / 1000);
      log(`etcd: the 3 etcd members used ${cores.toFixed(2)} cores on average over the etcd run`);
      return [{ name: 'etcd members CPU (3 members, whole etcd run)', value: cores, unit: 'cores' }];
    },
    async stop() {
      await cluster.stop();
      await etcd.stop();
    },
  };
}
