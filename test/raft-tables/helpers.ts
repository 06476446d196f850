// Shared helpers for the table machine tests: command builders and fast-check arbitraries of logs.
import fc from 'fast-check';
import { encodeCommand } from '../../packages/runtime/src/raft/tables/index.ts';
import type { Condition, Op, Session, TableCommand } from '../../packages/runtime/src/raft/tables/index.ts';

export function put(table: string, key: string, value: unknown): Op {
  return { op: 'put', table, key, value };
}

export function del(table: string, key: string): Op {
  return { op: 'delete', table, key };
}

export function txn(ops: Op[], conditions?: Condition[], session?: Session): Uint8Array {
  const command: TableCommand = { kind: 'txn', ops };
  if (conditions !== undefined) command.conditions = conditions;
  if (session !== undefined) command.session = session;
  return encodeCommand(command);
}

export const noop = (): Uint8Array => encodeCommand({ kind: 'noop' });

/** fast-check options with a fixed seed (FC_SEED overrides); failures print the seed to replay. */
export function fcOptions(numRuns: number): { numRuns: number; seed: number } {
  const fromEnv = process.env['FC_SEED'];
  return { numRuns, seed: fromEnv === undefined ? 20260820 : Number(fromEnv) };
}

const tableName = fc.constantFrom('heroes', 'cities', 'h');
const keyName = fc.constantFrom('a', 'b', 'c', 'd');
const value = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.constant(null),
  fc.record({ health: fc.integer({ min: 0, max: 100 }), name: fc.string({ maxLength: 4 }) }),
  fc.array(fc.boolean(), { maxLength: 3 }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(tableName, keyName, value).map(([t, k, v]) => put(t, k, v)) },
  { weight: 1, arbitrary: fc.tuple(tableName, keyName).map(([t, k]) => del(t, k)) },
);
/** A condition's version: "absent", or the index of the n-th earlier entry (often the last write). */
type VersionPick = { absent: true } | { absent: false; back: number };
const conditionSpec = fc.tuple(
  tableName,
  keyName,
  fc.oneof(
    fc.constant<VersionPick>({ absent: true }),
    fc.integer({ min: 1, max: 6 }).map((back): VersionPick => ({ absent: false, back })),
  ),
);

/** How a session command picks its seq: the client's next one, a retry of its last, or an older one. */
const sessionSpec = fc.record({
  client: fc.constantFrom('c1', 'c2', 'c3'),
  seq: fc.constantFrom('next', 'next', 'next', 'retry', 'retry', 'old', 'unknown'),
});

type EntrySpec =
  | {
      kind: 'txn';
      ops: Op[];
      conditions: [string, string, VersionPick][] | undefined;
      session: { client: string; seq: string } | undefined;
    }
  | { kind: 'bytes'; bytes: Uint8Array };

const entrySpec: fc.Arbitrary<EntrySpec> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('txn' as const),
      ops: fc.array(op, { maxLength: 4 }),
      conditions: fc.option(fc.array(conditionSpec, { maxLength: 2 }), { nil: undefined }),
      session: fc.option(sessionSpec, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'bytes' as const, bytes: noop() }) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 8 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  },
);

/**
 * A log: entries with strictly increasing indexes (gaps allowed). Mostly transactions, some with
 * sessions from three clients (new seqs, retries, old seqs, seqs of unknown sessions) and conditions
 * naming earlier indexes; some no-ops and some malformed entries.
 */
export const log: fc.Arbitrary<{ index: number; bytes: Uint8Array }[]> = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 3 }), entrySpec), { maxLength: 60 })
  .map((items) => {
    let index = 0;
    const indexes: number[] = [];
    const seqs = new Map<string, number>();
    return items.map(([gap, spec]) => {
      index += gap;
      indexes.push(index);
      if (spec.kind === 'bytes') return { index, bytes: spec.bytes };
      const conditions = spec.conditions?.map(([table, key, pick]): Condition => {
        const version = pick.absent ? 0 : (indexes[Math.max(0, indexes.length - 1 - pick.back)] as number);
        return { table, key, version };
      });
      let session: Session | undefined;
      if (spec.session !== undefined) {
        const last = seqs.get(spec.session.client) ?? 0;
        const seq = {
          next: last + 1,
          retry: Math.max(1, last),
          old: Math.max(1, last - 1),
          unknown: last + 5,
        }[spec.session.seq as 'next' | 'retry' | 'old' | 'unknown'];
        seqs.set(spec.session.client, Math.max(last, seq));
        session = { client: spec.session.client, seq };
      }
      return { index, bytes: txn(spec.ops, conditions, session) };
    });
  });
