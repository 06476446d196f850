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
import {
  FIRST_APPLICATION_MESSAGE_TYPE,
  KNOWN_MESSAGE_TYPES,
  MessageType,
} from '../../packages/runtime/src/wire/message-types.ts';

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

const APP = FIRST_APPLICATION_MESSAGE_TYPE;

/** Three nodes, each with a heartbeat monitor, fully connected on a virtual clock. */
async function mesh(scheduler: VirtualScheduler, faults: FaultController) {
  const network = new MemoryNetwork({ scheduler });
  const downs: Array<{ observer: string; peer: string; at: number }> = [];
  /** Per observer, every connection it has (both directions of the mesh). */
  const conns = new Map<string, Connection[]>();
  const names = ['gotham', 'metropolis', 'capitol'];
  const messageTypes = new Set([...KNOWN_MESSAGE_TYPES, APP]);
  const nodes = names.map((name) => {
    const transport = faults.wrap(network.transport({ name, cookie: 'virtual-time-cookie', messageTypes }));
    const monitor = new HeartbeatMonitor({ scheduler });
    monitor.onDown((event) => downs.push({ observer: name, peer: event.peer, at: scheduler.now() }));
    const track = (conn: Connection): void => {
      monitor.watch(conn);
      conns.set(name, [...(conns.get(name) ?? []), conn]);
    };
    transport.onConnection(track);
    monitor.start();
    return { name, transport, monitor, track };
  });
  const addresses = await Promise.all(nodes.map((n) => n.transport.listen()));
  const dials: Array<Promise<void>> = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const dialer = nodes[i]!;
      dials.push(dialer.transport.connect(addresses[j]!).then(dialer.track));
    }
  }
  const connected = Promise.all(dials);
  await scheduler.runUntil(10);
  await connected;
  /** `observer`'s connection to `peer`. */
  const conn = (observer: string, peer: string): Connection =>
    conns.get(observer)!.find((c) => c.peerName.startsWith(`${peer}@`))!;
  return { nodes, downs, conn };
}

async function run(partitionAt: number) {
  const scheduler = new VirtualScheduler();
  const faults = new FaultController();
  const { nodes, downs } = await mesh(scheduler, faults);
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

  it('leaves out heartbeats where other traffic flows, judges the peer by that traffic, and resumes them when it stops', async () => {
    const scheduler = new VirtualScheduler();
    const faults = new FaultController();
    const { nodes, downs, conn } = await mesh(scheduler, faults);
    // What metropolis receives from gotham and from capitol, per kind, with the time.
    const heard: Array<{ from: string; heartbeat: boolean; at: number }> = [];
    for (const peer of ['gotham', 'capitol']) {
      conn('metropolis', peer).onMessage((type) =>
        heard.push({ from: peer, heartbeat: type === MessageType.Heartbeat, at: scheduler.now() }),
      );
    }
    const count = (from: string, heartbeat: boolean, start: number, end: number): number =>
      heard.filter((h) => h.from === from && h.heartbeat === heartbeat && h.at >= start && h.at < end).length;
    await scheduler.runUntil(1000);
    // Gotham sends metropolis a message every 40 ms for 5 s; capitol sends nothing but heartbeats.
    const toMetropolis = conn('gotham', 'metropolis');
    for (let at = 1000; at < 6000; at += 40) scheduler.setTimer(() => toMetropolis.send(APP, at), at - 1000);
    await scheduler.runUntil(8000);
    assert.equal(downs.length, 0, 'nobody is down while everyone is healthy');
    assert.equal(count('gotham', false, 1000, 6000), 125);
    assert.ok(
      count('gotham', true, 1200, 6000) <= 1,
      `${count('gotham', true, 1200, 6000)} heartbeats beside the data`,
    );
    assert.ok(count('capitol', true, 1200, 6000) >= 45, 'capitol, which sends nothing else, heartbeats');
    // The other direction carries nothing else: metropolis keeps heartbeating gotham.
    const fromMetropolis = nodes.find((n) => n.name === 'metropolis')!;
    assert.ok(fromMetropolis.monitor.phi(conn('metropolis', 'gotham').peerName)! < 1);
    assert.ok(count('gotham', true, 6200, 8000) >= 16, 'heartbeats resume once the data stops');
    // The gap without heartbeats took no sample: a silent gotham is found in the usual 1–2 s.
    faults.partition(['gotham'], ['metropolis', 'capitol']);
    await scheduler.runUntil(11_000);
    const found = downs.find((d) => d.observer === 'metropolis' && d.peer.startsWith('gotham@'));
    assert.ok(
      found !== undefined && found.at - 8000 > 1000 && found.at - 8000 < 2000,
      `found at ${found?.at}`,
    );
    for (const n of nodes) n.monitor.stop();
  });
});
