/**
 * The scaling suite's figures: one row per cluster size, the budgets a node's membership traffic
 * should stay under, and the chart the suite writes to docs/images/scaling.svg (measured lines
 * solid, the model's dashed and run out to 1,000 nodes).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lineChart, type Series } from './chart.ts';
import type { CrdtCost } from './crdt.ts';
import { fullMeshCost, partialViewCost, type MeshConstants } from './model.ts';
import type { ProcessCost } from './processes.ts';
import type { SteadyCost } from './steady.ts';

const CHART = fileURLToPath(new URL('../../docs/images/scaling.svg', import.meta.url));
/** Budgets a node's membership traffic should stay under. */
export const BYTES_BUDGET = 125_000; // 1 Mbit/s
export const CPU_BUDGETS = [0.01, 0.1]; // 1 % and 10 % of a core
const MODEL_SIZES = [3, 10, 25, 50, 100, 250, 1000];

export interface SizeRow {
  readonly n: number;
  readonly formMs: number;
  readonly steady: SteadyCost;
  /** Node-down events during the steady windows, where no node failed. */
  readonly falseDowns: number;
  readonly joinMs: number;
  readonly joinBytes: number;
  readonly crashMs: number;
  readonly silentMs: number;
  /** Kills some survivor had not noticed after `KILL_TIMEOUT_MS`. */
  readonly killsUnseen: number;
  readonly crdt: CrdtCost;
}

export function writeScalingChart(
  rows: SizeRow[],
  procs: ProcessCost[],
  c: MeshConstants,
  memCpu: MeshConstants['cpu'],
): void {
  const measured = (name: string, y: (r: SizeRow) => number): Series => ({
    name,
    points: rows.map((r) => ({ x: r.n, y: y(r) })),
  });
  const model = (name: string, y: (n: number) => number): Series => ({
    name,
    dashed: true,
    points: MODEL_SIZES.map((n) => ({ x: n, y: y(n) })),
  });
  const svg = lineChart({
    title: 'Full mesh cost per node as the cluster grows (measured: solid; model: dashed)',
    xLabel: 'nodes (N)',
    panels: [
      {
        title: 'Bytes sent per node per second',
        yLabel: 'B/s',
        series: [
          measured('heartbeats (memory transport)', (r) => r.steady.heartbeatBytesPerSec),
          measured('CRDT at 100 writes/s', (r) => r.crdt.writingBytesPerSec),
          measured('CRDT anti-entropy, idle', (r) => r.crdt.idleBytesPerSec),
          model('model: full-mesh heartbeats', (n) => fullMeshCost(n, c).bytesPerSec),
          model('model: partial view (HyParView)', (n) => partialViewCost(n, c).bytesPerSec),
          model('budget 1 Mbit/s', () => BYTES_BUDGET),
        ],
      },
      {
        title: 'CPU per node, % of a core',
        yLabel: '% core',
        series: [
          measured('memory transport, in one process', (r) => r.steady.cpuPerNode * 100),
          {
            name: 'TCP, one process per node',
            points: procs.map((p) => ({ x: p.processes, y: p.cpu * 100 })),
          },
          model('model: full mesh (TCP fit, or memory without it)', (n) => fullMeshCost(n, c).cpu * 100),
          model(
            'model: full mesh, memory-transport fit',
            (n) => (memCpu.base + memCpu.perPeer * (n - 1)) * 100,
          ),
          model('model: partial view', (n) => partialViewCost(n, c).cpu * 100),
          ...CPU_BUDGETS.map((b) => model(`budget ${b * 100} % of a core`, () => b * 100)),
        ],
      },
      {
        title: 'Convergence',
        yLabel: 'ms',
        series: [
          measured('join seen by every node', (r) => r.joinMs),
          measured('crash: every survivor says down', (r) => r.crashMs),
          measured('silent: every survivor says down', (r) => r.silentMs),
          measured('CRDT replicas equal after last write', (r) => r.crdt.convergeMs),
        ],
      },
    ],
  });
  writeFileSync(CHART, svg);
}
