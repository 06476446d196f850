/**
 * The logger the shared test helpers give the systems and nodes they start. Silent by default:
 * those tests start meshes, partition and stop them by the dozen, and the node-up/node-down lines
 * that are signal in production would bury the test report. `TEST_LOG=warn` (or any pino level)
 * shows what the nodes said, on stderr, e.g. `TEST_LOG=warn TEST_FILES=test/x.test.ts npm test`.
 * What the default logger writes when no logger is given is tested in
 * `test/cluster/default-logging.test.ts`.
 */
import pino from 'pino';

export const testLogger = pino(
  { level: process.env.TEST_LOG ?? 'silent' },
  pino.destination({ dest: 2, sync: true }),
);
