/**
 * The node's logger: JSON lines for machines (a file, a pipe, a log collector) and readable lines
 * for a person at a terminal.
 *
 * ```ts
 * const logger = createNodeLogger({ level: 'info', node: 'gotham', format: 'auto' });
 * logger.info({ peer: 'metropolis@10.0.0.3:4370' }, 'connected');
 * // on a terminal: [21:40:02.118] INFO (gotham): connected
 * //                    peer: "metropolis@10.0.0.3:4370"
 * // otherwise:     {"level":30,"time":…,"node":"gotham","peer":"…","msg":"connected"}
 * ```
 *
 * `format: 'auto'` (the default of `--log-format`) is `pretty` when standard output is a TTY and
 * `json` otherwise, so piping a node into a collector never gets colour codes. The pretty stream is
 * synchronous: a line logged just before `process.exit` (a refused start, a fatal storage error)
 * is on the terminal before the process ends.
 */
import pino from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty' | 'auto';
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;

export interface NodeLoggerOptions {
  readonly level: string;
  /** The node's short name, bound to every line. */
  readonly node: string;
  /** Default `auto`: pretty on a terminal, JSON otherwise. */
  readonly format?: LogFormat;
  /** Whether standard output is a terminal; default `process.stdout.isTTY`. */
  readonly isTTY?: boolean;
  /** Where lines go; default standard output. */
  readonly destination?: NodeJS.WritableStream;
}

/** Resolves `auto` against the terminal. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return isTTY ? 'pretty' : 'json';
}

export function createNodeLogger(o: NodeLoggerOptions): Logger {
  const isTTY = o.isTTY ?? process.stdout.isTTY === true;
  const format = resolveLogFormat(o.format ?? 'auto', isTTY);
  const options = { level: o.level, base: { node: o.node } };
  if (format === 'json') return o.destination ? pino(options, o.destination) : pino(options);
  const stream = pretty({
    sync: true,
    colorize: isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    // The node name leads each line; pid and hostname add nothing for a local cluster.
    ignore: 'pid,hostname,node',
    messageFormat: '({node}) {msg}',
    ...(o.destination ? { destination: o.destination } : {}),
  });
  return pino(options, stream);
}
