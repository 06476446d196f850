// Failure detection across real processes: three node processes in a TCP mesh, each running a
// heartbeat monitor. A node frozen with SIGSTOP must be declared down by both others while it is
// frozen (the detection times are printed, not asserted); a node whose event loop stalls for
// 250 ms must not cause (or suffer) any false alarm; a frozen node that wakes up must not accuse
// the healthy peers it could not hear while frozen.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { PeerAddress } from '../../packages/runtime/src/cluster/transport/types.ts';
import { sleep, waitFor } from '../../packages/runtime/src/testing/conformance/transport.ts';
import type { NodeCommand, NodeEvent } from './heartbeat-node.ts';

const NODE_SCRIPT = fileURLToPath(new URL('./heartbeat-node.ts', import.meta.url));

interface Proc {
  readonly label: string;
  readonly child: ChildProcess;
  readonly events: Array<NodeEvent & { at: number }>;
  name: string;
  address: PeerAddress;
}

let nextId = 0;

function send(proc: Proc, command: NodeCommand): void {
  proc.child.send(command);
}

async function request(
  proc: Proc,
  command: NodeCommand & { id: number },
  kind: NodeEvent['event'],
): Promise<NodeEvent> {
  send(proc, command);
  await waitFor(
    () => proc.events.some((e) => 'id' in e && e.id === command.id),
    10_000,
    `${proc.label}: ${command.cmd}`,
  );
  const event = proc.events.find((e) => 'id' in e && e.id === command.id)!;
  assert.equal(event.event, kind, JSON.stringify(event));
  return event;
}

async function spawnNode(label: string): Promise<Proc> {
  const child = fork(NODE_SCRIPT, [label, 'slow-test-cookie'], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const proc: Proc = { label, child, events: [], name: '', address: { host: '', port: 0 } };
  child.on('message', (event: NodeEvent) => proc.events.push({ ...event, at: performance.now() }));
  send(proc, { cmd: 'listen' });
  await waitFor(() => proc.events.some((e) => e.event === 'listening'), 20_000, `${label} to listen`);
  const listening = proc.events.find((e) => e.event === 'listening') as Extract<
    NodeEvent,
    { event: 'listening' }
  >;
  proc.name = listening.name;
  proc.address = listening.address;
  return proc;
}

const downsOf = (proc: Proc, since: number) =>
  proc.events.filter(
    (e): e is Extract<NodeEvent, { event: 'down' }> & { at: number } => e.event === 'down' && e.at >= since,
  );

describe('failure detection across processes', () => {
  it('finds a SIGSTOPped node from both peers while it is stopped, and nobody is falsely accused', async (t) => {
    const procs = await Promise.all(['gotham', 'metropolis', 'capitol'].map(spawnNode));
    try {
      const connect = (from: Proc, to: Proc) =>
        request(from, { cmd: 'connect', id: nextId++, address: to.address }, 'connected');
      const [gotham, metropolis, capitol] = procs as [Proc, Proc, Proc];
      await connect(gotham, metropolis);
      await connect(gotham, capitol);
      await connect(metropolis, capitol);
      await sleep(1000);

      // Event-loop stalls of 250 ms on one node: no false alarm anywhere.
      const calm = performance.now();
      for (let i = 0; i < 3; i++) {
        await request(metropolis, { cmd: 'stall', id: nextId++, ms: 250 }, 'stalled');
        await sleep(300);
      }
      await sleep(500);
      assert.deepEqual(
        procs.map((p) => downsOf(p, calm).length),
        [0, 0, 0],
        'a 250 ms stall caused a false down',
      );

      const latencies: number[] = [];
      for (const victim of [capitol, gotham, metropolis]) {
        const others = procs.filter((p) => p !== victim);
        const stoppedAt = performance.now();
        victim.child.kill('SIGSTOP');
        await waitFor(
          () => others.every((p) => downsOf(p, stoppedAt).some((d) => d.peer === victim.name)),
          30_000,
          `both peers to declare ${victim.label} down`,
        );
        for (const p of others)
          latencies.push(downsOf(p, stoppedAt).find((d) => d.peer === victim.name)!.at - stoppedAt);
        const resumedAt = performance.now();
        victim.child.kill('SIGCONT');
        await sleep(600);
        assert.deepEqual(
          downsOf(victim, resumedAt).map((d) => d.peer),
          [],
          `${victim.label} accused healthy peers after waking up`,
        );
        for (const p of others) await connect(p, victim);
        await sleep(1000);
      }
      t.diagnostic(`SIGSTOP detection (ms, incl. IPC): ${latencies.map((l) => l.toFixed(0)).join(', ')}`);
    } finally {
      for (const proc of procs) {
        proc.child.kill('SIGCONT');
        send(proc, { cmd: 'exit' });
      }
      await Promise.all(
        procs.map((p) =>
          p.child.exitCode !== null ? undefined : new Promise((resolve) => p.child.once('exit', resolve)),
        ),
      );
    }
  });
});
