/**
 * Errors of the table state machine. Malformed commands inside the log are not errors (they give an
 * `invalid` result on every replica alike); these are bugs in the caller.
 */
import { codedError } from '../coded-error.ts';

/** `encodeCommand` was given a command that would be rejected by every replica. */
export class InvalidCommandError extends codedError('invalid-command') {}

/** `apply` was called with an index not above the last applied one: entries must come in log order. */
export class ApplyOrderError extends codedError('apply-order') {}

/** `restore` was given bytes that are not a snapshot of this format. */
export class SnapshotFormatError extends codedError('bad-snapshot') {}
