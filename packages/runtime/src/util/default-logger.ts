/**
 * The logger used when none is given: warnings and errors, as JSON lines, to standard error.
 *
 * ```ts
 * new ActorSystem();                                   // a crash is logged to stderr
 * new ActorSystem({ logger: pino({ level: 'silent' }) }); // nothing is
 * await startNode({ name, cookie, logger: createNodeLogger({ level: 'info', node: name }) });
 * ```
 *
 * Why loud by default: the lines worth seeing without configuration are rare and each one
 * matters — an actor crash with its reason, a supervisor's restart, a handshake refused (a wrong
 * cookie), a node up or down. A silent default hid all of them. Level `warn` keeps routine
 * (`info`, `debug`) lines out.
 *
 * Why pino on file descriptor 2, synchronous: pino's `Logger` is already the type every layer
 * takes, so the default is the same interface the user would pass; writing synchronously means a
 * line logged just before the process exits (a supervisor giving up) is not lost. At warn level
 * the lines are few, so blocking writes cost nothing measurable.
 *
 * One logger is shared by every system and node of the process (created on first use).
 */
import pino from 'pino';
import type { Logger } from 'pino';

let shared: Logger | undefined;

/** The process's default logger: level `warn`, JSON lines to standard error. */
export function defaultLogger(): Logger {
  shared ??= pino({ level: 'warn' }, pino.destination({ dest: 2, sync: true }));
  return shared;
}
