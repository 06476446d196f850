/** Suite records for the report tests: a machine, and records built from rows. */
import type { BenchResult } from '../../bench/lib/types.ts';
import type { MachineFacts, SuiteRecord } from '../../bench/report/record.ts';

export const MACHINE: MachineFacts = {
  cores: 2,
  cpuModel: 'Test CPU @ 2.0GHz',
  loadAverageStart: [1.5, 1.2, 1.0],
  loadAverageEnd: [2.25, 1.4, 1.1],
  node: 'v20.20.2',
  os: 'Linux 6.1.0',
  peers: { erlang: 'Erlang/OTP 25 (erts 13.1.5)', etcd: 'etcd 3.4.30' },
};

export function record(
  suite: string,
  rows: readonly BenchResult[],
  extra: Partial<SuiteRecord> = {},
): SuiteRecord {
  return {
    suite,
    command: `npm run bench -- ${suite} --quick --report`,
    quick: true,
    startedAt: '2026-12-06T07:05:00.000Z',
    seconds: 42.5,
    machine: MACHINE,
    rows,
    ...extra,
  };
}

export const ACTOR_ROWS: readonly BenchResult[] = [
  { name: 'sequential call p50', value: 0.5, unit: 'µs', peer: 'Erlang/OTP gen_server', peerValue: 2 },
  {
    name: 'sequential calls',
    value: 1_500_000,
    unit: 'calls/s',
    higherIsBetter: true,
    peer: 'Erlang/OTP gen_server',
    peerValue: 600_000,
  },
  {
    name: 'casts processed',
    value: 1_000_000,
    unit: 'msgs/s',
    higherIsBetter: true,
    peer: 'Erlang/OTP gen_server',
    peerValue: 4_000_000,
  },
  { name: 'memory per idle actor (1M)', value: 640, unit: 'bytes' },
];
