/**
 * The Raft table machine's transactions as a sequential model: records carry a `version` (the log
 * index of their last write), transactions are conditioned on versions and commit at a log index.
 *
 * ```ts
 * const put: TableModelInput = { kind: 'txn', ops: [{ op: 'put', table: 'heroes', key: 'h1', value: { hp: 100 } }] };
 * const history: Operation<TableModelInput, TableModelOutput>[] = [
 *   { clientId: 0, input: put, call: 0, return: 10, output: { ok: true, index: 7 } },
 *   { clientId: 1, input: { kind: 'get', table: 'heroes', key: 'h1' }, call: 11, return: 12,
 *     output: { record: { value: { hp: 100 }, version: 7 } } },
 * ];
 * checkOperations(tableModel, history); // { result: 'ok' }
 * ```
 *
 * Semantics checked:
 * - A transaction commits (`ok: true, index`) only if every condition holds: the record's version
 *   equals the condition's (`0` = absent; a positive version on an absent record fails). Its puts get
 *   version `index`, its deletes make records absent; per record, versions strictly increase.
 * - A `conflict` answer means some condition failed; the reported `current` versions must match.
 * - Any other failure code means the transaction was not applied.
 * - `get` returns the record's value and version, or `record: null` when absent. Values are compared
 *   structurally (see {@link canonicalValue}).
 * - Unknown outcome: the transaction may have committed at some log index nobody saw. Its writes get
 *   a symbolic version, bound when a later read or condition observes it and bounded above by later
 *   known writes to the same record.
 *
 * Precision: the model is permissive in two corners, never strict beyond the truth. Ordering between
 * two symbolic versions is not tracked, and a condition that may or may not match a symbolic version
 * does not remember the mismatch. Versions are only compared per record; the global order of commit
 * indexes across records is a separate, cheap check on the recorded indexes.
 *
 * Partitioning: operations are grouped into connected components of the records they touch, so
 * transactions over disjoint keys are checked apart. When not to use it: workloads where most
 * transactions touch overlapping random key sets become one big partition, and the search grows
 * exponentially with concurrency.
 */
import { canonicalValue } from './canonical.ts';
import type { Model, Operation } from './types.ts';

export type TableModelOp =
  { op: 'put'; table: string; key: string; value: unknown } | { op: 'delete'; table: string; key: string };

export interface TableModelCondition {
  table: string;
  key: string;
  version: number;
}

export type TableModelInput =
  | { kind: 'txn'; ops: TableModelOp[]; conditions?: TableModelCondition[] }
  | { kind: 'get'; table: string; key: string };

/** A transaction's answer (the table machine's apply result fits this shape). */
export type TableTxnOutput =
  { ok: true; index: number } | { ok: false; code: string; current?: TableModelCondition[] };

/** A read's answer. */
export interface TableReadOutput {
  record: { value: unknown; version: number } | null;
}

export type TableModelOutput = TableTxnOutput | TableReadOutput;

/** One possible store: record key → canonical value and version (negative = symbolic id). */
interface World {
  readonly records: ReadonlyMap<string, { readonly value: string; readonly version: number }>;
  /** Open range (min, max) of each symbolic version still referenced. */
  readonly pending: ReadonlyMap<number, { readonly min: number; readonly max: number }>;
  readonly nextPending: number;
}

/** The set of stores consistent with the history so far (power-set construction). */
export type TableModelState = readonly World[];

const EMPTY: World = { records: new Map(), pending: new Map(), nextPending: 1 };

export const tableModel: Model<TableModelState, TableModelInput, TableModelOutput> = {
  init: () => [EMPTY],
  step(state, input, output) {
    const next = new Map<string, World>();
    for (const world of state) {
      for (const w of stepWorld(world, input, output)) next.set(worldKey(w), w);
    }
    return { ok: next.size > 0, state: [...next.values()] };
  },
  partition: partitionByRecords,
  key: (state) => state.map(worldKey).sort().join('|'),
};

function recordKey(table: string, key: string): string {
  return JSON.stringify([table, key]);
}

function stepWorld(world: World, input: TableModelInput, output: TableModelOutput | undefined): World[] {
  if (input.kind === 'get') {
    if (output === undefined) return [world];
    if (!('record' in output)) return [];
    const current = world.records.get(recordKey(input.table, input.key));
    if (output.record === null) return current === undefined ? [world] : [];
    if (current === undefined || current.value !== canonicalValue(output.record.value)) return [];
    const bound = bindVersion(world, current.version, output.record.version);
    return bound === undefined ? [] : [bound];
  }
  if (output !== undefined && !('ok' in output)) return [];
  if (output !== undefined && !output.ok && output.code !== 'conflict') return [world];
  const out: (World | undefined)[] = [];
  for (const branch of evaluateConditions(world, input.conditions ?? [])) {
    if (output === undefined) {
      out.push(branch.holds ? writeAll(branch.world, input.ops, undefined) : branch.world);
    } else if (output.ok) {
      if (!branch.holds) continue;
      const written = writeAll(branch.world, input.ops, output.index);
      if (written !== undefined) out.push(written);
    } else {
      if (branch.holds) continue;
      const reported = matchReported(branch.world, output.current ?? []);
      if (reported !== undefined) out.push(reported);
    }
  }
  return out.filter((w): w is World => w !== undefined);
}

/** Every way the conditions can evaluate in `world`, with the bindings each way implies. */
function evaluateConditions(
  world: World,
  conditions: readonly TableModelCondition[],
): { world: World; holds: boolean }[] {
  let branches = [{ world, holds: true }];
  for (const cond of conditions) {
    const next: { world: World; holds: boolean }[] = [];
    for (const b of branches) {
      const version = currentVersion(b.world, cond.table, cond.key);
      if (version >= 0) {
        next.push({ world: b.world, holds: b.holds && version === cond.version });
        continue;
      }
      const bound = bindVersion(b.world, version, cond.version);
      if (bound !== undefined) next.push({ world: bound, holds: b.holds });
      next.push({ world: b.world, holds: false });
    }
    branches = next;
  }
  return branches;
}

function currentVersion(world: World, table: string, key: string): number {
  return world.records.get(recordKey(table, key))?.version ?? 0;
}

/** The conflict's reported versions must be the current ones. */
function matchReported(world: World, current: readonly TableModelCondition[]): World | undefined {
  let w: World | undefined = world;
  for (const c of current) {
    if (w === undefined) return undefined;
    const version = currentVersion(w, c.table, c.key);
    w = version >= 0 ? (version === c.version ? w : undefined) : bindVersion(w, version, c.version);
  }
  return w;
}

/** Observes `actual` for a record whose model version is `version`; undefined when impossible. */
function bindVersion(world: World, version: number, actual: number): World | undefined {
  if (version >= 0) return version === actual ? world : undefined;
  const range = world.pending.get(-version);
  if (range === undefined || !(actual > range.min && actual < range.max)) return undefined;
  const records = new Map(world.records);
  for (const [k, r] of records)
    if (r.version === version) records.set(k, { value: r.value, version: actual });
  const pending = new Map(world.pending);
  pending.delete(-version);
  return { records, pending, nextPending: world.nextPending };
}

/**
 * Applies the writes at log index `index`, or at a fresh symbolic version when the index is unknown.
 * Undefined when `index` does not exceed the version of a record it overwrites.
 */
function writeAll(world: World, ops: readonly TableModelOp[], index: number | undefined): World | undefined {
  const records = new Map(world.records);
  const pending = new Map(world.pending);
  let version: number;
  if (index === undefined) {
    let min = 0;
    for (const op of ops) {
      const v = records.get(recordKey(op.table, op.key))?.version ?? 0;
      min = Math.max(min, v >= 0 ? v : (pending.get(-v)?.min ?? 0));
    }
    version = -world.nextPending;
    pending.set(world.nextPending, { min, max: Number.POSITIVE_INFINITY });
  } else {
    for (const op of ops) {
      const v = records.get(recordKey(op.table, op.key))?.version ?? 0;
      if (v >= 0) {
        if (index <= v) return undefined;
        continue;
      }
      const range = pending.get(-v);
      if (range === undefined) return undefined;
      const max = Math.min(range.max, index);
      if (max - range.min < 2) return undefined;
      pending.set(-v, { min: range.min, max });
    }
    version = index;
  }
  for (const op of ops) {
    const k = recordKey(op.table, op.key);
    if (op.op === 'put') records.set(k, { value: canonicalValue(op.value), version });
    else records.delete(k);
  }
  const referenced = new Set<number>();
  for (const r of records.values()) if (r.version < 0) referenced.add(-r.version);
  for (const id of [...pending.keys()]) if (!referenced.has(id)) pending.delete(id);
  return { records, pending, nextPending: index === undefined ? world.nextPending + 1 : world.nextPending };
}

/** Canonical: symbolic ids are renumbered by first appearance in record order. */
function worldKey(world: World): string {
  const keys = [...world.records.keys()].sort();
  const rename = new Map<number, number>();
  const parts: string[] = [];
  for (const k of keys) {
    const r = world.records.get(k) as { value: string; version: number };
    let version = String(r.version);
    if (r.version < 0) {
      let id = rename.get(-r.version);
      if (id === undefined) {
        id = rename.size + 1;
        rename.set(-r.version, id);
      }
      const range = world.pending.get(-r.version);
      version = `?${id}(${range?.min},${range?.max})`;
    }
    parts.push(`${k}=${r.value}@${version}`);
  }
  return parts.join(';');
}

function touchedRecords(input: TableModelInput): string[] {
  if (input.kind === 'get') return [recordKey(input.table, input.key)];
  return [...input.ops, ...(input.conditions ?? [])].map((t) => recordKey(t.table, t.key));
}

/** Connected components of operations linked by shared records, in order of first appearance. */
export function partitionByRecords<O>(
  history: Operation<TableModelInput, O>[],
): Operation<TableModelInput, O>[][] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(k, root);
    return root;
  };
  const touched = history.map((op) => touchedRecords(op.input));
  for (const keys of touched) {
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (const k of keys.slice(1)) parent.set(find(k), find(keys[0] as string));
  }
  const groups = new Map<string, Operation<TableModelInput, O>[]>();
  history.forEach((op, i) => {
    const first = touched[i]?.[0];
    const root = first === undefined ? '' : find(first);
    const group = groups.get(root);
    if (group === undefined) groups.set(root, [op]);
    else group.push(op);
  });
  return [...groups.values()];
}
