/**
 * Steady-state cost of a formed mesh: what each node sends per second by kind (heartbeats,
 * membership, everything), counted at the transport, and the process's CPU time per node per
 * second of wall time, measured in a second window with counting off (counting re-encodes
 * payloads and would inflate it). Also the event loop's delay, which says whether the process
 * kept up.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MessageType } from '@superhero-dispatch/runtime/wire';
import type { TrafficCounter } from './counting-transport.ts';
import { MEMBERSHIP_TYPES, sleep } from './mesh.ts';

export interface SteadyCost {
  /** Heartbeat bytes and frames sent per node per second. */
  readonly heartbeatBytesPerSec: number;
  readonly heartbeatFramesPerSec: number;
  /** Membership gossip (member lists, name syncs) bytes sent per node per second. */
  readonly membershipBytesPerSec: number;
  /** Every frame a node sends, per second. */
  readonly totalBytesPerSec: number;
  readonly totalFramesPerSec: number;
  /** Mean bytes of one heartbeat frame on the wire. */
  readonly heartbeatFrameBytes: number;
  /** CPU time of the process beyond `idleCpu` per node, as a fraction of one core. */
  readonly cpuPerNode: number;
  /** CPU time of the whole process, as a fraction of one core. */
  readonly cpuProcess: number;
  /** Event loop delay during the CPU window, ms (p50 and max). */
  readonly loopDelayP50Ms: number;
  readonly loopDelayMaxMs: number;
}

/** CPU of this process, as a fraction of one core, over `windowMs` of wall time. */
export async function processCpu(windowMs: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(windowMs);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / ((performance.now() - w0) * 1000);
}

/** `idleCpu`: the process's CPU with no node running, subtracted before dividing by N. */
export async function steadyCost(
  counters: readonly TrafficCounter[],
  windowMs: number,
  idleCpu: number,
): Promise<SteadyCost> {
  const n = counters.length;
  for (const c of counters) {
    c.enabled = true;
    c.reset();
  }
  const t0 = performance.now();
  await sleep(windowMs);
  const seconds = (performance.now() - t0) / 1000;
  let hbBytes = 0;
  let hbFrames = 0;
  let memberBytes = 0;
  let totalBytes = 0;
  let totalFrames = 0;
  for (const c of counters) {
    hbBytes += c.bytesOf(MessageType.Heartbeat);
    hbFrames += c.framesOf(MessageType.Heartbeat);
    memberBytes += c.bytesOf(...MEMBERSHIP_TYPES);
    for (const b of c.bytes.values()) totalBytes += b;
    for (const f of c.frames.values()) totalFrames += f;
  }
  for (const c of counters) c.enabled = false;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpuProcess = await processCpu(windowMs);
  delay.disable();
  for (const c of counters) c.enabled = true;
  const per = (x: number): number => x / n / seconds;
  return {
    heartbeatBytesPerSec: per(hbBytes),
    heartbeatFramesPerSec: per(hbFrames),
    membershipBytesPerSec: per(memberBytes),
    totalBytesPerSec: per(totalBytes),
    totalFramesPerSec: per(totalFrames),
    heartbeatFrameBytes: hbFrames === 0 ? Number.NaN : hbBytes / hbFrames,
    cpuPerNode: Math.max(0, cpuProcess - idleCpu) / n,
    cpuProcess,
    loopDelayP50Ms: delay.percentile(50) / 1e6,
    loopDelayMaxMs: delay.max / 1e6,
  };
}
