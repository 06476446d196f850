/**
 * Linearizability of the etcd store on a real 3-member etcd cluster: concurrent clients (each a
 * store of its own) get, put and compare-and-set a few keys while etcd members are killed with
 * SIGKILL and restarted; the recorded history must have a linearization in the key-value model.
 * A compare-and-set expects a version; values are unique, so the version read names the value the
 * model expects. Writes that fail other than by a conflict have an unknown outcome.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import type { EtcdStore } from '../../packages/runtime/src/store/etcd/index.ts';
import { sharedEtcd } from '../../packages/runtime/src/testing/etcd/fixture.ts';
import { checkOperations, kvModel } from '../../packages/runtime/src/testing/linearizability/index.ts';
import type {
  KvInput,
  KvOutput,
  Operation,
} from '../../packages/runtime/src/testing/linearizability/index.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';

const etcd = sharedEtcd();
const CLIENTS = 4;
const KEYS = ['a', 'b', 'c'];
const SECONDS = 10;

test(
  'etcd store: concurrent gets, puts and compare-and-sets stay linearizable while members are killed and restarted',
  { skip: etcd.skip },
  async (t) => {
    const seed = Number(process.env['ETCD_LIN_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    const random = seededRandom(seed);
    const cluster = await etcd.cluster();
    const prefix = etcd.freshPrefix();
    const stores: EtcdStore[] = [];
    for (let i = 0; i < CLIENTS; i++)
      stores.push(await etcd.store(`client${i}`, { prefix, requestTimeoutMs: 3000 }));
    const history: Operation<KvInput, KvOutput>[] = [];
    let nextClientId = CLIENTS;
    let unique = 0;
    const until = performance.now() + SECONDS * 1000;

    const client = async (i: number): Promise<void> => {
      const table = stores[i]!.table<string>('lin');
      let id = i;
      const seen = new Map<string, { value: string | null; version: number }>();
      while (performance.now() < until) {
        const key = KEYS[Math.floor(random() * KEYS.length)]!;
        const roll = random();
        const call = performance.now();
        if (roll < 0.4) {
          try {
            const r = await table.get(key);
            seen.set(key, { value: r?.value ?? null, version: r?.version ?? 0 });
            history.push({
              clientId: id,
              input: { op: 'get', key },
              call,
              return: performance.now(),
              output: { ok: true, value: r?.value ?? null },
            });
          } catch (err) {
            if (!(err instanceof StoreError)) throw err;
            await pause(50); // a failed read has no effect; it is left out
          }
          continue;
        }
        const value = `${i}-${unique++}`;
        const known = seen.get(key);
        const cas = roll < 0.7 && known !== undefined;
        const input: KvInput = cas
          ? { op: 'cas', key, value, expected: known.value }
          : { op: 'put', key, value };
        const op: Operation<KvInput, KvOutput> = { clientId: id, input, call, return: 0, output: undefined };
        history.push(op);
        try {
          const version = await table.put(key, value, cas ? { expectVersion: known.version } : {});
          op.return = performance.now();
          op.output = { ok: true };
          seen.set(key, { value, version });
        } catch (err) {
          if (!(err instanceof StoreError)) throw err;
          if (err.code === 'conflict') {
            op.return = performance.now();
            op.output = { ok: false };
            seen.delete(key);
          } else {
            op.return = Number.POSITIVE_INFINITY; // may still apply: continue as a new client
            id = nextClientId++;
            seen.delete(key);
            await pause(50);
          }
        }
      }
    };

    const nemesis = async (): Promise<void> => {
      while (performance.now() < until - 3000) {
        await pause(1000 + random() * 1000);
        const victim = random() < 0.5 ? await cluster.leaderIndex() : Math.floor(random() * 3);
        await cluster.kill(victim);
        await pause(500 + random() * 1500);
        await cluster.restart(victim);
      }
    };

    try {
      await Promise.all([nemesis(), ...stores.map((_s, i) => client(i))]);
      const ok = history.filter((o) => o.output !== undefined).length;
      const started = performance.now();
      const verdict = checkOperations(kvModel, history, { timeoutMs: 60_000 });
      t.diagnostic(
        `seed ${seed}: ${history.length} operations, ${ok} with a known outcome, checked in ${Math.round(performance.now() - started)} ms`,
      );
      assert.ok(ok > 20, `too few completed operations to judge (${ok}); seed ${seed}`);
      let kept = '';
      if (verdict.result !== 'ok') {
        // The history itself: the seed repeats the choices, not
        // the timings.
        kept = join(tmpdir(), `etcd-linearizability-${seed}.json`);
        writeFileSync(kept, JSON.stringify(history));
      }
      assert.deepEqual(
        verdict,
        { result: 'ok' },
        `not linearizable; ETCD_LIN_SEED=${seed} repeats the choices; history in ${kept}`,
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  },
);

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
