/**
 * The logger of the nodes a benchmark starts in its worker processes: errors only by default, so
 * that the membership churn a fault benchmark causes on purpose (node up, node down, refused dials
 * to a killed peer — warnings a real operator wants) does not bury the figures. `BENCH_LOG=warn`
 * (or any pino level) shows them on stderr.
 */
import pino from 'pino';

export const benchNodeLogger = pino(
  { level: process.env['BENCH_LOG'] ?? 'error' },
  pino.destination({ dest: 2, sync: true }),
);
