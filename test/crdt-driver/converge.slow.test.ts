// Three OS processes, each a node with a CrdtStore on loopback TCP: writes on several nodes, one
// node killed with SIGKILL and restarted empty on its port, a partition healed — and at the end
// every replica holds the same table.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

const SCRIPT = fileURLToPath(new URL('./replica-process.ts', import.meta.url));

interface Status {
  summary: string;
  peers: number;
  replica: string;
  bootstrapped: boolean;
}

class Replica {
  readonly name: string;
  readonly port: number;
  readonly seeds: string;
  child: ChildProcess | undefined;
  replica = '';
  #ids = 0;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(name: string, port: number, seeds: string) {
    this.name = name;
    this.port = port;
    this.seeds = seeds;
  }

  async start(): Promise<void> {
    const child = fork(SCRIPT, [this.name, String(this.port), this.seeds, 'crdt-multiprocess-cookie'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start`)), 30_000);
      child.on('message', (m: { ready?: boolean; replica?: string; id?: number; ok?: boolean }) => {
        if (m.ready === true) {
          clearTimeout(timer);
          this.replica = m.replica ?? '';
          resolve();
          return;
        }
        const p = this.#pending.get(m.id ?? -1);
        if (p === undefined) return;
        this.#pending.delete(m.id ?? -1);
        if (m.ok === true) p.resolve((m as { result: unknown }).result);
        else p.reject(new Error(`${this.name}: ${(m as { error: string }).error}`));
      });
      child.on('exit', () => {
        for (const p of this.#pending.values()) p.reject(new Error(`${this.name} exited`));
        this.#pending.clear();
      });
    });
  }

  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null)
      return Promise.reject(new Error(`${this.name} is not running`));
    const id = ++this.#ids;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, ...args });
    });
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

const statuses = (rs: readonly Replica[]): Promise<Status[]> =>
  Promise.all(rs.map((r) => r.call<Status>('status')));
const allEqual = async (rs: readonly Replica[]): Promise<boolean> =>
  new Set((await statuses(rs)).map((s) => s.summary)).size === 1;
const meshed = async (rs: readonly Replica[]): Promise<boolean> =>
  (await statuses(rs)).every((s) => s.peers === rs.length - 1);
const lists = (rs: readonly Replica[]): Promise<string[]> =>
  Promise.all(rs.map(async (r) => JSON.stringify(await r.call('list', { table: 'heroes' }))));

test(
  'three processes: writes everywhere, a kill -9 and empty restart, a healed partition — all replicas equal',
  { timeout: 120_000 },
  async (t) => {
    const names = ['gotham', 'metropolis', 'capitol'];
    const ports = await Promise.all(names.map(() => freePort()));
    const seeds = ports.map((p) => `127.0.0.1:${p}`).join(',');
    const rs = names.map((n, i) => new Replica(n, ports[i]!, seeds));
    t.after(() => Promise.all(rs.map((r) => r.kill9())));
    await Promise.all(rs.map((r) => r.start()));
    const [gotham, metropolis, capitol] = rs as [Replica, Replica, Replica];
    await waitFor(() => meshed(rs), 30_000, 'a full mesh of replicas');

    // Writes on every node at once, then overwrites and deletes across nodes.
    await Promise.all(
      rs.map(async (r) => {
        for (let i = 0; i < 100; i++)
          await r.call('put', { table: 'heroes', key: `${r.name}-${i}`, value: { i, by: r.name } });
      }),
    );
    await waitFor(() => allEqual(rs), 10_000, 'convergence after the first writes');
    for (let i = 0; i < 10; i++) {
      await metropolis.call('put', { table: 'heroes', key: `gotham-${i}`, value: { overwritten: true } });
      await capitol.call('delete', { table: 'heroes', key: `metropolis-${i}` });
    }
    t.diagnostic(
      `converged after writes on all nodes in ${await waitFor(() => allEqual(rs), 10_000, 'convergence')} ms`,
    );
    assert.equal(new Set(await lists(rs)).size, 1);

    // kill -9 and an empty restart on the same port: a new replica id, refilled from the peers.
    const killedId = metropolis.replica;
    await metropolis.kill9();
    await waitFor(
      async () => (await statuses([gotham, capitol])).every((s) => s.peers === 1),
      10_000,
      'the kill seen',
    );
    await gotham.call('put', { table: 'heroes', key: 'while-metropolis-was-dead', value: 1 });
    await capitol.call('delete', { table: 'heroes', key: 'gotham-50' });
    const restartedAt = Date.now();
    await metropolis.start();
    assert.notEqual(metropolis.replica, killedId, 'the restarted store is a new replica');
    assert.equal(await metropolis.call('refilled', { timeoutMs: 20_000 }), true);
    t.diagnostic(`the restarted node refilled ${Date.now() - restartedAt} ms after its process started`);
    await waitFor(() => allEqual(rs), 10_000, 'convergence after the restart');
    assert.equal(new Set(await lists(rs)).size, 1);

    // Partition capitol away; both sides write; heal.
    await waitFor(() => meshed(rs), 30_000, 'the mesh after the restart');
    await Promise.all(
      rs.map((r) => r.call('partition', { side: ['capitol'], others: ['gotham', 'metropolis'] })),
    );
    await waitFor(async () => (await capitol.call<Status>('status')).peers === 0, 10_000, 'the cut seen');
    for (let i = 0; i < 20; i++) {
      await capitol.call('put', { table: 'heroes', key: `cut-off-${i}`, value: i });
      await gotham.call('put', { table: 'heroes', key: `majority-${i}`, value: i });
    }
    await capitol.call('put', { table: 'heroes', key: 'gotham-20', value: 'capitol' });
    await metropolis.call('delete', { table: 'heroes', key: 'gotham-21' });
    assert.equal(await allEqual(rs), false);
    await Promise.all(rs.map((r) => r.call('heal')));
    t.diagnostic(
      `converged ${await waitFor(() => allEqual(rs), 15_000, 'convergence after the heal')} ms after the heal`,
    );

    const final = await lists(rs);
    assert.equal(new Set(final).size, 1, 'every replica holds the same heroes');
    const heroes = JSON.parse(final[0]!) as { key: string; value: unknown }[];
    const keys = new Set(heroes.map((h) => h.key));
    for (const k of ['while-metropolis-was-dead', 'cut-off-19', 'majority-19', 'gotham-20'])
      assert.ok(keys.has(k), k);
    for (const k of ['gotham-50', 'gotham-21', 'metropolis-0']) assert.ok(!keys.has(k), `${k} stays deleted`);
    assert.equal(heroes.length, 300 - 10 - 1 + 1 + 40 - 1);
  },
);
