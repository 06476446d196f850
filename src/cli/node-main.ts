/**
 * One node process: the whole dispatch node (cluster, store, application, web), see
 * `dispatch-node.ts`.
 */
import pino from 'pino';
import type { NodeCliOptions } from './config.ts';
import { runDispatchNode } from './dispatch-node.ts';

export async function runNode(options: NodeCliOptions): Promise<void> {
  const logger = pino({ level: options.logLevel, base: { node: options.name } });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  await runDispatchNode(options, logger);
}
