/**
 * Validation of decoded commands: one pass that turns untrusted data into a {@link TableCommand} or
 * a reason it is not one. Every replica runs the same checks, so a malformed entry gets the same
 * `invalid` result everywhere and nothing is applied.
 *
 * ```ts
 * const checked = validateCommand({ kind: 'txn', ops: [{ op: 'delete', table: 'heroes', key: '' }] });
 * // { ok: false, reason: 'ops[0].key must be a non-empty string' }
 * ```
 *
 * Rules: known `kind` (`txn`, `noop`); no unknown fields (a typo such as `vaule` must not silently
 * write nothing); table and key are non-empty strings; a put has a `value` that is not `undefined`;
 * condition versions and session seqs are non-negative / positive safe integers; a session client
 * is a non-empty string. `ops` may be empty: a transaction of conditions alone is a version check.
 */
import type { Condition, Op, Session, TableCommand } from './types.ts';

export type Validated = { ok: true; command: TableCommand } | { ok: false; reason: string };

export function validateCommand(raw: unknown): Validated {
  try {
    return { ok: true, command: command(raw) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Internal signal carrying the reason; never escapes this module. */
class Invalid extends Error {}

function command(raw: unknown): TableCommand {
  const obj = record(raw, 'command');
  if (obj['kind'] === 'noop') {
    onlyFields(obj, 'command', ['kind']);
    return { kind: 'noop' };
  }
  if (obj['kind'] !== 'txn') throw new Invalid(`command.kind must be 'txn' or 'noop'`);
  onlyFields(obj, 'command', ['kind', 'session', 'ops', 'conditions']);
  const ops = list(obj['ops'], 'ops').map(op);
  const txn: TableCommand = { kind: 'txn', ops };
  if (obj['conditions'] !== undefined) txn.conditions = list(obj['conditions'], 'conditions').map(condition);
  if (obj['session'] !== undefined) txn.session = session(obj['session']);
  return txn;
}

function op(raw: unknown, i: number): Op {
  const where = `ops[${i}]`;
  const obj = record(raw, where);
  const table = name(obj['table'], `${where}.table`);
  const key = name(obj['key'], `${where}.key`);
  if (obj['op'] === 'delete') {
    onlyFields(obj, where, ['op', 'table', 'key']);
    return { op: 'delete', table, key };
  }
  if (obj['op'] !== 'put') throw new Invalid(`${where}.op must be 'put' or 'delete'`);
  onlyFields(obj, where, ['op', 'table', 'key', 'value']);
  if (obj['value'] === undefined) throw new Invalid(`${where}.value is required (use a delete to remove)`);
  return { op: 'put', table, key, value: obj['value'] };
}

function condition(raw: unknown, i: number): Condition {
  const where = `conditions[${i}]`;
  const obj = record(raw, where);
  onlyFields(obj, where, ['table', 'key', 'version']);
  const version = obj['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new Invalid(`${where}.version must be a non-negative integer`);
  }
  return { table: name(obj['table'], `${where}.table`), key: name(obj['key'], `${where}.key`), version };
}

function session(raw: unknown): Session {
  const obj = record(raw, 'session');
  onlyFields(obj, 'session', ['client', 'seq']);
  const seq = obj['seq'];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new Invalid('session.seq must be a positive integer');
  }
  return { client: name(obj['client'], 'session.client'), seq };
}

function record(raw: unknown, where: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Invalid(`${where} must be an object`);
  }
  return raw as Record<string, unknown>;
}

function list(raw: unknown, where: string): unknown[] {
  if (!Array.isArray(raw)) throw new Invalid(`${where} must be an array`);
  return raw;
}

function name(raw: unknown, where: string): string {
  if (typeof raw !== 'string' || raw.length === 0) throw new Invalid(`${where} must be a non-empty string`);
  return raw;
}

function onlyFields(obj: Record<string, unknown>, where: string, allowed: readonly string[]): void {
  for (const field of Object.keys(obj)) {
    if (!allowed.includes(field)) throw new Invalid(`${where} has an unknown field '${field}'`);
  }
}
