// Helpers for checker tests: a seeded PRNG, histories produced by running a real sequential
// key-value map with random concurrency windows, and a validator for the checker's witnesses.
import assert from 'node:assert/strict';
import type {
  KvInput,
  KvOutput,
  Model,
  Operation,
} from '../../packages/runtime/src/testing/linearizability/index.ts';

export type Rng = () => number;

/** A seeded PRNG with values in [0, 1). */
export { seededRandom as rng } from '../../packages/runtime/src/testing/sim/index.ts';

export function int(r: Rng, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export interface KvHistoryOptions {
  ops: number;
  keys: number;
  clients: number;
  /** Longest duration of one operation, in time units. */
  maxDuration: number;
  /** Probability that an operation's outcome is unknown to its client. */
  unknownRate: number;
}

type KvOp = Operation<KvInput, KvOutput>;

/**
 * Each client issues operations one after another; every operation takes effect at a random point
 * inside its interval, and a plain Map applied in that order produces the outputs. An operation with
 * an unknown outcome either takes effect at some later point (possibly after the client moved on)
 * or never. Such a history is linearizable by construction.
 */
export function generateKvHistory(r: Rng, o: KvHistoryOptions): KvOp[] {
  const clock = Array.from({ length: o.clients }, () => 0);
  const clientIds = Array.from({ length: o.clients }, (_, i) => i);
  let nextClientId = o.clients;
  const planned: { op: KvOp; at: number | null }[] = [];
  const seenValues: string[][] = Array.from({ length: o.keys }, () => []);
  for (let i = 0; i < o.ops; i++) {
    const c = int(r, 0, o.clients - 1);
    const k = int(r, 0, o.keys - 1);
    const key = `k${k}`;
    const call = (clock[c] as number) + int(r, 0, 3);
    const duration = int(r, 1, o.maxDuration);
    const ret = call + duration;
    const input = randomInput(r, key, `v${i}`, seenValues[k] as string[]);
    if (input.op === 'put' || input.op === 'cas') (seenValues[k] as string[]).push(input.value as string);
    const unknown = r() < o.unknownRate;
    const op: KvOp = {
      clientId: clientIds[c] as number,
      input,
      call,
      return: unknown ? Number.POSITIVE_INFINITY : ret,
      output: undefined,
    };
    let at: number | null = call + (0.01 + 0.98 * r()) * duration;
    if (unknown) {
      // Still in flight when the client gave up: it may land much later, or never.
      at = r() < 0.5 ? null : call + r() * o.maxDuration * 4;
      clientIds[c] = nextClientId++;
    }
    clock[c] = ret + 1;
    planned.push({ op, at });
  }
  const store = new Map<string, string>();
  const inOrder = planned.filter((p) => p.at !== null).sort((a, b) => (a.at as number) - (b.at as number));
  for (const { op } of inOrder) {
    const output = applyKv(store, op.input);
    if (op.return !== Number.POSITIVE_INFINITY) op.output = output;
  }
  return planned.map((p) => p.op);
}

function randomInput(r: Rng, key: string, fresh: string, seen: string[]): KvInput {
  const roll = r();
  if (roll < 0.4) return { op: 'get', key };
  if (roll < 0.7) return { op: 'put', key, value: fresh };
  if (roll < 0.8) return { op: 'delete', key };
  const pick = r();
  const expected =
    pick < 0.2 || seen.length === 0
      ? null
      : (seen[seen.length - 1 - int(r, 0, Math.min(2, seen.length - 1))] as string);
  return { op: 'cas', key, expected, value: fresh };
}

/** The reference implementation: a plain Map, independent of the model under test. */
export function applyKv(store: Map<string, string>, input: KvInput): KvOutput {
  const current = store.get(input.key) ?? null;
  switch (input.op) {
    case 'get':
      return { ok: true, value: current };
    case 'put':
      store.set(input.key, input.value as string);
      return { ok: true };
    case 'delete':
      store.delete(input.key);
      return { ok: true };
    case 'cas':
      if (current !== (input.expected ?? null)) return { ok: false, value: current };
      store.set(input.key, input.value as string);
      return { ok: true };
  }
}

/** A history with no overlap at all: operation i runs in [2i, 2i + 1]. */
export function sequentialKvHistory(r: Rng, n: number, keys: number): KvOp[] {
  const store = new Map<string, string>();
  const seen: string[][] = Array.from({ length: keys }, () => []);
  const out: KvOp[] = [];
  for (let i = 0; i < n; i++) {
    const k = int(r, 0, keys - 1);
    const input = randomInput(r, `k${k}`, `v${i}`, seen[k] as string[]);
    if (input.op === 'put' || input.op === 'cas') (seen[k] as string[]).push(input.value as string);
    out.push({ clientId: 0, input, call: 2 * i, return: 2 * i + 1, output: applyKv(store, input) });
  }
  return out;
}

/**
 * A witness is valid when the model accepts every output in that order, every operation with a
 * known outcome is in it, and no operation comes before one that returned before it was called.
 */
export function assertWitness<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  witness: Operation<I, O>[],
): void {
  let state = model.init();
  for (const op of witness) {
    const next = model.step(state, op.input, op.output);
    assert.ok(next.ok, `the model rejects ${JSON.stringify(op)} in the witness`);
    state = next.state;
  }
  const inWitness = new Set(witness);
  for (const op of ops) {
    if (op.output !== undefined)
      assert.ok(inWitness.has(op), `known operation missing: ${JSON.stringify(op)}`);
  }
  for (let i = 0; i < witness.length; i++) {
    for (let j = i + 1; j < witness.length; j++) {
      const a = witness[i] as Operation<I, O>;
      const b = witness[j] as Operation<I, O>;
      assert.ok(!(b.return < a.call), `witness puts an operation before one that returned earlier`);
    }
  }
}

/**
 * fast-check options with a fixed seed, so a run is repeatable; set FC_SEED to explore others. On a
 * failure fast-check prints the seed and path to replay.
 */
export function fcOptions(numRuns: number): { numRuns: number; seed: number } {
  const fromEnv = process.env['FC_SEED'];
  return { numRuns, seed: fromEnv === undefined ? 20260820 : Number(fromEnv) };
}
