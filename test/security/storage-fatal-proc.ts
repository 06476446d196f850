/**
 * A node whose Raft store runs out of disk, as an OS process: one cluster node, the hero store
 * opened exactly as the dispatch node opens it (`openStore('raft', …)`), its data directory on
 * the path given (a small tmpfs), and puts of 4 KB values until the process ends. It must end on
 * its own, with a non-zero code, after logging why. Usage: `storage-fatal-proc.ts <data-dir>`.
 * Logs go to stdout as JSON lines; each failed put is printed to stderr.
 */
import pino from 'pino';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { openStore } from '../../src/cli/store-factory.ts';
import type { RaftStore } from '../../packages/runtime/src/store/raft-store.ts';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: storage-fatal-proc.ts <data-dir>');
const logger = pino({ level: 'info' });
const node = await startNode({ name: 'full', cookie: 'storage-fatal-test-cookie', logger });
const store = (await openStore('raft', { node, voters: [node.name], dataDir, logger })) as RaftStore;
await store.waitForLeader();
const value = 'x'.repeat(4000);
for (let i = 0; i < 100_000; i++) {
  try {
    await store.table<string>('heroes').put(`h${i}`, value);
  } catch (err) {
    // The member has stopped; the process is about to exit from onFatal. Say so and wait for it.
    console.error(`put h${i} failed: ${String(err)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
console.error('the disk never filled up');
process.exit(0);
