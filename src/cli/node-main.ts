/**
 * One node process: the whole dispatch node (cluster, store, application, web), see
 * `dispatch-node.ts`, started with the cookie, TLS and web access its flags resolve to
 * (`node-security.ts`).
 */
import { tuneV8ForServer } from '@superhero-dispatch/runtime/cluster';
import type { NodeCliOptions } from './config.ts';
import { runDispatchNode } from './dispatch-node.ts';
import { createNodeLogger } from './logger.ts';
import { resolveNodeSecurity } from './node-security.ts';

/**
 * Starts the node. A start refused for a known reason (a typed error with a `code`: the port is
 * taken, the data directory belongs to another cluster, no cookie for a non-loopback address, a
 * secret file others can read, …) ends the process with that message
 * and exit code 1, without a stack trace; anything else is a bug and keeps its trace.
 */
export async function runNode(options: NodeCliOptions): Promise<void> {
  const logger = createNodeLogger({ level: options.logLevel, node: options.name, format: options.logFormat });
  // A node runs for long: let V8 optimize its hot code sooner (the runtime's cluster/v8-tuning.ts).
  logger.debug({ v8Flags: tuneV8ForServer() }, 'V8 flags set for a server');
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  try {
    const security = await resolveNodeSecurity(options);
    if (security.webTokenFile !== undefined)
      logger.info({ file: security.webTokenFile }, 'the HTTP API asks for the bearer token in this file');
    await runDispatchNode(options, logger, security);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (!(err instanceof Error) || typeof code !== 'string') throw err;
    logger.fatal({ code }, `could not start: ${err.message}`);
    console.error(`superhero node ${options.name}: ${err.message} (${code})`);
    process.exit(1);
  }
}
