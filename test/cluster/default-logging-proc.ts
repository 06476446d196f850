/**
 * A process that leaves logging at its defaults and makes the events that must be seen happen:
 * an actor crash, a supervisor's restart, a handshake refused for a wrong cookie, a node up and a
 * node down. Usage: `default-logging-proc.ts <mode>` with mode `default` (no logger anywhere) or
 * `silent` (the user passes a silent logger, which replaces the default). Results the test needs
 * besides the logs go to stdout, one JSON object per line; the logs themselves are whatever the
 * process writes to stderr.
 */
import pino from 'pino';
import { ActorSystem, startSupervisor, worker } from '../../packages/runtime/src/actor/index.ts';
import type { Behaviour } from '../../packages/runtime/src/actor/index.ts';
import { isCoded } from '../../packages/runtime/src/util/errors.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';

const COOKIE = 'default-logging-right-cookie';
const WRONG_COOKIE = 'default-logging-wrong-cookie';
const CRASH_REASON = 'the reactor overheated';

const mode = process.argv[2];
if (mode !== 'default' && mode !== 'silent') throw new Error('usage: default-logging-proc.ts default|silent');
const logger = mode === 'silent' ? { logger: pino({ level: 'silent' }) } : {};
const report = (fields: Record<string, unknown>): void =>
  void process.stdout.write(`${JSON.stringify(fields)}\n`);

// An actor that crashes once it is told to; its supervisor restarts it.
const fragile: Behaviour<null, void, never, never, { type: 'crash' }> = {
  name: 'reactor',
  init: () => null,
  handleCast: () => {
    throw new Error(CRASH_REASON);
  },
};
const system = new ActorSystem({ node: 'local@nohost', ...logger });
await startSupervisor(system, {
  strategy: 'one_for_one',
  children: [worker('reactor', fragile, undefined, { spawn: { name: 'reactor' } })],
});
const before = system.whereis('reactor');
system.cast('reactor', { type: 'crash' });
while (system.whereis('reactor') === undefined || system.whereis('reactor')?.id === before?.id) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
report({ restarted: true });

// Two nodes whose cookies differ: the dialler's wait fails naming the cookie mismatch.
const a = await startNode({ name: 'right', cookie: COOKIE, ...logger });
const b = await startNode({ name: 'wrong', cookie: WRONG_COOKIE, seeds: [a.address], ...logger });
await b.waitForPeer(a.name, 10_000).then(
  () => report({ connected: true }),
  (err: unknown) => report({ waitCode: isCoded(err) ? err.code : String(err) }),
);
await b.stop();

// A node with the right cookie joins and stops: node up, then node down on `right`.
const c = await startNode({ name: 'joiner', cookie: COOKIE, seeds: [a.address], ...logger });
await c.waitForPeer(a.name, 10_000);
await c.stop();
while (a.nodes().length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
await a.stop();
report({ done: true });
