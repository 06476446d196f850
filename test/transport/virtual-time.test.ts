// The memory network, fault injection and the heartbeat monitor on a virtual clock: everything
// runs off the injected scheduler, so a simulation drives hours of cluster time in milliseconds
// and the same inputs give the same run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeartbeatMonitor } from '../../packages/runtime/src/cluster/failure-detector/heartbeat-monitor.ts';
import { FaultController } from '../../packages/runtime/src/cluster/transport/faults.ts';
import { MemoryNetwork } from '../../packages/runtime/src/cluster/transport/memory-network.ts';
import type { Scheduler } from '../../packages/runtime/src/cluster/transport/scheduler.ts';
import type { Connection } from '../../packages/runtime/src/cluster/transport/types.ts';

/** A discrete-event scheduler: `defer` runs at the current time, timers at theirs, FIFO on ties. */
class VirtualScheduler implements Scheduler {
  private time = 0;
  private sequence = 0;
  private queue: Array<{ at: number; seq: number; fn: () => void; cancelled: boolean }> = [];

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number) {
    const entry = { at: this.time + Math.max(0, ms), seq: this.sequence++, fn, cancelled: false };
    this.queue.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  every(fn: () => void, ms: number) {
    let timer = { cancel: () => {} };
    const arm = (): void => {
      timer = this.setTimer(() => {
        arm();
        fn();
      }, ms);
    };
    arm();
    return { cancel: () => timer.cancel() };
  }

  defer(fn: () => void): void {
    this.setTimer(fn, 0);
  }

  /** Runs events (letting promise continuations settle between them) until `until`. */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (!next || next.at > until) break;
      this.queue.shift();
      this.time = next.at;
      if (!next.cancelled) next.fn();
    }
    this.time = until;
  }
}

async function run(partitionAt: number) {
  const scheduler = new VirtualScheduler();
  const network = new MemoryNetwork({ scheduler });
  const faults = new FaultController();
  const downs: Array<{ observer: string; peer: string; at: number }> = [];
  const names = ['gotham', 'metropolis', 'capitol'];
  const nodes = names.map((name) => {
    const transport = faults.wrap(network.transport({ name, cookie: 'virtual-time-cookie' }));
    const monitor = new HeartbeatMonitor({ scheduler });
    monitor.onDown((event) => downs.push({ observer: name, peer: event.peer, at: scheduler.now() }));
    transport.onConnection((conn) => monitor.watch(conn));
    monitor.start();
    return { transport, monitor };
  });
  const addresses = await Promise.all(nodes.map((n) => n.transport.listen()));
  const dials: Array<Promise<void>> = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const dialer = nodes[i]!;
      dials.push(
        dialer.transport.connect(addresses[j]!).then((conn: Connection) => dialer.monitor.watch(conn)),
      );
    }
  }
  const connected = Promise.all(dials);
  await scheduler.runUntil(10);
  await connected;
  await scheduler.runUntil(partitionAt);
  faults.partition(['capitol'], ['gotham', 'metropolis']);
  await scheduler.runUntil(partitionAt + 3000);
  for (const n of nodes) n.monitor.stop();
  return downs;
}

describe('on a virtual clock', () => {
  it('detects a partitioned node at the same virtual times in every run, 1–2 s after the cut', async () => {
    const first = await run(5000);
    const second = await run(5000);
    assert.deepEqual(first, second);
    assert.deepEqual(first.map((d) => `${d.observer}→${d.peer.split('@')[0]}`).sort(), [
      'capitol→gotham',
      'capitol→metropolis',
      'gotham→capitol',
      'metropolis→capitol',
    ]);
    for (const d of first)
      assert.ok(d.at - 5000 > 1000 && d.at - 5000 < 2000, `detected at +${d.at - 5000} ms`);
  });
});
