// The budget of log lines about strangers: a burst, then a steady rate, and every line left out
// is counted in the next one written (or in the final flush), so none is lost silently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LogBudget, RateLimitedLog } from '../../packages/runtime/src/cluster/transport/rate-limited-log.ts';
import { captureLogs } from '../../packages/runtime/src/testing/conformance/transport.ts';
import type { Scheduler } from '../../packages/runtime/src/cluster/transport/scheduler.ts';

const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};

describe('log budget', () => {
  it('admits a burst, then one line per second, and hands the count of dropped lines to the next', () => {
    const budget = new LogBudget({ burst: 3, perSecond: 1 });
    assert.deepEqual(
      [0, 0, 0, 0, 0].map((t) => budget.admit(t)),
      [0, 0, 0, undefined, undefined],
    );
    assert.equal(budget.admit(999), undefined);
    assert.equal(budget.admit(1000), 3, 'one token back after a second; three lines were dropped');
    assert.equal(budget.admit(1000), undefined);
    assert.equal(budget.takeRefused(), 1);
    assert.equal(budget.takeRefused(), 0);
  });

  it('accounts for every line: written ones plus the counts they carry plus the flush equal all attempts', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 300 }), (gaps) => {
        let now = 0;
        const scheduler: Scheduler = {
          now: () => now,
          setTimer: () => ({ cancel() {} }),
          every: () => ({ cancel() {} }),
          defer: () => undefined,
        };
        const logs = captureLogs();
        const log = new RateLimitedLog(logs.logger, scheduler);
        for (const gap of gaps) {
          now += gap;
          log.warn({ code: 'ERR_X' }, 'stranger');
        }
        log.flush();
        const counted = logs.records.reduce(
          (n, r) => n + (r['code'] === 'ERR_X' ? 1 : 0) + Number(r['suppressed'] ?? 0),
          0,
        );
        assert.equal(counted, gaps.length);
      }),
      fcParams,
    );
  });
});
