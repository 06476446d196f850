/**
 * Typed errors of the actor runtime. Each failure is one subclass with a stable `code`, so callers
 * branch on `err.code` (or `instanceof`) rather than on message text.
 *
 * | code | when |
 * | --- | --- |
 * | `noproc` | the destination does not exist (never existed, already exited, name unregistered) |
 * | `timeout` | a call got no reply within its timeout |
 * | `exit` | the callee exited before replying (the reason is in `reason`) |
 * | `noconnection` | the callee's node is unreachable or went down |
 * | `name_taken` | a name is already registered |
 * | `init_failed` | an actor's `init` threw or asked to stop |
 * | `unhandled_call` | the behaviour has no `handleCall` |
 * | `bad_spec` | a child spec or supervisor option is invalid |
 */
import { CodedError } from '../util/errors.ts';
export type ActorErrorCode =
  | 'noproc'
  | 'timeout'
  | 'exit'
  | 'noconnection'
  | 'name_taken'
  | 'init_failed'
  | 'unhandled_call'
  | 'bad_spec';

export class ActorError extends CodedError<ActorErrorCode> {}

export class NoProcError extends ActorError {
  constructor(dest: string) {
    super('noproc', `no process: ${dest}`);
  }
}

export class CallTimeoutError extends ActorError {
  readonly timeoutMs: number;
  constructor(dest: string, timeoutMs: number) {
    super('timeout', `call to ${dest} timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

export class CalleeExitError extends ActorError {
  readonly reason: unknown;
  constructor(dest: string, reason: unknown) {
    super('exit', `${dest} exited before replying: ${formatReason(reason)}`, { cause: reason });
    this.reason = reason;
  }
}

export class NoConnectionError extends ActorError {
  readonly node: string;
  constructor(node: string, detail?: string) {
    super('noconnection', `node ${node} is not reachable${detail ? `: ${detail}` : ''}`);
    this.node = node;
  }
}

export class NameTakenError extends ActorError {
  readonly takenName: string;
  constructor(name: string) {
    super('name_taken', `name already registered: ${name}`);
    this.takenName = name;
  }
}

export class InitFailedError extends ActorError {
  constructor(what: string, cause: unknown) {
    super('init_failed', `${what} failed to start: ${formatReason(cause)}`, { cause });
  }
}

export class UnhandledCallError extends ActorError {
  constructor(dest: string) {
    super('unhandled_call', `${dest} does not handle calls`);
  }
}

export class BadSpecError extends ActorError {
  constructor(message: string) {
    super('bad_spec', message);
  }
}

/** A short human-readable rendering of an exit reason for logs and error messages. */
export function formatReason(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  if (typeof reason === 'string') return reason;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}
