// Histories of clients running transactions against the real table machine, for checking the table
// model. Time advances in ticks; each operation takes effect at a random tick inside its interval,
// when it is applied to the machine with the next log index.
import { encodeCommand, TableMachine } from '../../packages/runtime/src/raft/tables/index.ts';
import type { Condition, Op } from '../../packages/runtime/src/raft/tables/index.ts';
import type {
  Operation,
  TableModelInput,
  TableModelOutput,
} from '../../packages/runtime/src/testing/linearizability/index.ts';
import { int } from './history.ts';
import type { Rng } from './history.ts';

export type TableOp = Operation<TableModelInput, TableModelOutput>;

export interface TableHistoryOptions {
  ops: number;
  keys: number;
  clients: number;
  maxDuration: number;
  unknownRate: number;
}

interface Pending {
  op: TableOp;
  /** Tick at which it takes effect; null when it never does. */
  at: number | null;
  client: number;
  hidden: boolean;
}

export function generateTableHistory(r: Rng, o: TableHistoryOptions): TableOp[] {
  const machine = new TableMachine();
  let index = 0;
  const known: Map<string, number>[] = Array.from({ length: o.clients }, () => new Map());
  const freeAt = Array.from({ length: o.clients }, () => 0);
  const ids = Array.from({ length: o.clients }, (_, i) => i);
  let nextId = o.clients;
  const pending: Pending[] = [];
  const history: TableOp[] = [];
  let issued = 0;

  for (let tick = 0; issued < o.ops || pending.some((p) => p.at !== null); tick++) {
    for (let c = 0; c < o.clients && issued < o.ops; c++) {
      if ((freeAt[c] as number) > tick || r() < 0.3) continue;
      const input = randomInput(r, o.keys, known[c] as Map<string, number>, issued);
      const duration = int(r, 1, o.maxDuration);
      const hidden = r() < o.unknownRate;
      const op: TableOp = {
        clientId: ids[c] as number,
        input,
        call: tick,
        return: tick + duration,
        output: undefined,
      };
      let at: number | null = tick + int(r, 0, duration);
      if (hidden) {
        op.return = Number.POSITIVE_INFINITY;
        at = r() < 0.5 ? null : tick + int(r, 0, o.maxDuration * 4);
        ids[c] = nextId++;
      }
      freeAt[c] = tick + duration + 1;
      pending.push({ op, at, client: c, hidden });
      history.push(op);
      issued++;
    }
    for (const p of pending) {
      if (p.at !== tick) continue;
      p.at = null;
      if (r() < 0.2) machine.apply(++index, encodeCommand({ kind: 'noop' }));
      const output = execute(machine, ++index, p.op.input);
      if (!p.hidden) {
        p.op.output = output;
        learn(known[p.client] as Map<string, number>, p.op.input, output);
      }
    }
    for (let i = pending.length - 1; i >= 0; i--)
      if ((pending[i] as Pending).at === null) pending.splice(i, 1);
  }
  return history;
}

function randomInput(r: Rng, keys: number, known: Map<string, number>, n: number): TableModelInput {
  const key = (): string => `k${int(r, 0, keys - 1)}`;
  if (r() < 0.35) return { kind: 'get', table: 't', key: key() };
  const written = [...new Set([key(), ...(r() < 0.4 ? [key()] : [])])];
  const ops: Op[] = written.map((k) =>
    r() < 0.2 ? { op: 'delete', table: 't', key: k } : { op: 'put', table: 't', key: k, value: { n, k } },
  );
  const conditions: Condition[] = written
    .filter(() => r() < 0.6)
    .map((k) => ({ table: 't', key: k, version: known.get(k) ?? 0 }));
  return conditions.length > 0 ? { kind: 'txn', ops, conditions } : { kind: 'txn', ops };
}

function execute(machine: TableMachine, index: number, input: TableModelInput): TableModelOutput {
  if (input.kind === 'get') {
    const record = machine.get(input.table, input.key);
    return { record: record === undefined ? null : { value: record.value, version: record.version } };
  }
  const command =
    input.conditions === undefined
      ? { kind: 'txn' as const, ops: input.ops }
      : { kind: 'txn' as const, ops: input.ops, conditions: input.conditions };
  return machine.apply(index, encodeCommand(command)).result;
}

/** What a client learns from an answer: the versions it can name in its next conditions. */
function learn(known: Map<string, number>, input: TableModelInput, output: TableModelOutput): void {
  if ('record' in output) {
    if (input.kind === 'get') known.set(input.key, output.record?.version ?? 0);
    return;
  }
  if (input.kind !== 'txn') return;
  if (output.ok) {
    for (const op of input.ops) known.set(op.key, op.op === 'put' ? output.index : 0);
  } else {
    for (const c of output.current ?? []) known.set(c.key, c.version);
  }
}

/** The same workload with no overlap at all: operation i runs in [2i, 2i + 1]. */
export function sequentialTableHistory(r: Rng, n: number, keys: number): TableOp[] {
  return generateTableHistory(r, { ops: n, keys, clients: 1, maxDuration: 1, unknownRate: 0 }).map(
    (op, i) => ({
      ...op,
      call: 2 * i,
      return: 2 * i + 1,
    }),
  );
}
