/**
 * Bytes of table commands in the Raft log: msgpack of plain data, never closures, so the log means
 * the same thing on every node, across restarts and upgrades.
 *
 * ```ts
 * const bytes = encodeCommand({ kind: 'txn', ops: [{ op: 'put', table: 't', key: 'k', value: 1 }] });
 * const back = decodeCommand(bytes); // { ok: true, command: { kind: 'txn', ops: [...] } }
 * ```
 *
 * API:
 * - `encodeCommand(command)`: validates, then encodes; throws {@link InvalidCommandError} for a
 *   command every replica would reject, so bad input is caught at the proposer.
 * - `decodeCommand(bytes)`: never throws; malformed bytes or shapes give `{ ok: false, reason }`.
 *
 * Decoding accepts plain data only (the wire's `checkPlainData`). Encoding: standard msgpack maps (no record extension, whose shared structures would make a
 * message depend on earlier ones), float64 for non-integers, and decoded byte arrays copied out of
 * the input buffer so a reused log buffer cannot change stored values.
 */
import { Packr } from 'msgpackr';
import { checkPlainData } from '../../wire/plain-data.ts';
import { InvalidCommandError } from './errors.ts';
import type { TableCommand } from './types.ts';
import { validateCommand } from './validate.ts';
import type { Validated } from './validate.ts';

/** The one msgpack configuration used for commands and snapshots. */
export const packr = new Packr({ useRecords: false, copyBuffers: true });

export function encodeCommand(command: TableCommand): Uint8Array {
  const checked = validateCommand(command);
  if (!checked.ok) throw new InvalidCommandError(`invalid table command: ${checked.reason}`);
  return packr.pack(checked.command);
}

export function decodeCommand(bytes: Uint8Array): Validated {
  let raw: unknown;
  try {
    // Plain data only, as on the wire: a command in the log (possibly from another node) can
    // carry no extension, record definition or value nested past the wire's depth limit.
    checkPlainData(bytes, 0, bytes.length);
    raw = packr.unpack(bytes);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `not a msgpack command: ${message}` };
  }
  return validateCommand(raw);
}
