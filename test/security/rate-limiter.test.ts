// The write-rate limiter's token buckets (src/dispatch/web/rate-limit.ts), against a stepped
// clock: no client is granted more than its burst plus its rate over any span, a refusal says
// when the next request will pass and it does pass then, refusals cost nothing, and the map of
// buckets stays within its bound whatever the addresses.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { RateLimiter, rateKeyOf } from '../../src/dispatch/web/rate-limit.ts';

it('a client gets its burst at once, then one request per 1/rate seconds', () => {
  const limiter = new RateLimiter({ ratePerSec: 2, burst: 3 });
  for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('a', 0), { ok: true });
  const refused = limiter.take('a', 0);
  assert.deepEqual(refused, { ok: false, retryAfterMs: 500 });
  const almost = limiter.take('a', 499);
  assert.ok(!almost.ok && Math.abs(almost.retryAfterMs - 1) < 1e-9, JSON.stringify(almost));
  assert.deepEqual(limiter.take('a', 500), { ok: true }, 'one token back after 500 ms at 2 per second');
  assert.equal(limiter.take('a', 500).ok, false);
  assert.deepEqual(limiter.take('b', 500), { ok: true }, 'another client has its own bucket');
});

it('refill stops at the burst, and a clock stepping back takes nothing and gives nothing', () => {
  const limiter = new RateLimiter({ ratePerSec: 10, burst: 2 });
  assert.ok(limiter.take('a', 1_000).ok);
  // An hour of quiet is worth `burst` requests, not 36,000.
  assert.ok(limiter.take('a', 3_601_000).ok);
  assert.ok(limiter.take('a', 3_601_000).ok);
  assert.equal(limiter.take('a', 3_601_000).ok, false);
  assert.equal(limiter.take('a', 0).ok, false, 'a clock back in time gives no token');
  assert.ok(limiter.take('a', 3_601_100).ok, 'and the time already counted is not counted twice');
});

it('property: granted requests never exceed burst + rate x span, for any client, clock and order', () => {
  const step = fc.record({ client: fc.constantFrom('a', 'b', 'c'), dtMs: fc.integer({ min: 0, max: 400 }) });
  fc.assert(
    fc.property(
      fc.double({ min: 0.5, max: 50, noNaN: true }),
      fc.integer({ min: 1, max: 20 }),
      fc.array(step, { maxLength: 300 }),
      (ratePerSec, burst, steps) => {
        const limiter = new RateLimiter({ ratePerSec, burst });
        const granted = new Map<string, number[]>();
        let now = 0;
        for (const { client, dtMs } of steps) {
          now += dtMs;
          const verdict = limiter.take(client, now);
          if (verdict.ok) granted.set(client, [...(granted.get(client) ?? []), now]);
          else assert.ok(verdict.retryAfterMs > 0 && verdict.retryAfterMs <= 1000 / ratePerSec + 1e-9);
        }
        for (const times of granted.values()) {
          for (let i = 0; i < times.length; i++) {
            for (let j = i; j < times.length; j++) {
              const span = (times[j]! - times[i]!) / 1000;
              // A tiny slack for floating-point sums of refills.
              assert.ok(j - i + 1 <= burst + ratePerSec * span + 1e-6, `${j - i + 1} granted in ${span} s`);
            }
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});

it('property: after a refusal, the same client passes at now + retryAfterMs and not before', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.1, max: 100, noNaN: true }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 0, max: 30 }),
      (ratePerSec, burst, extra) => {
        const limiter = new RateLimiter({ ratePerSec, burst });
        for (let i = 0; i < burst; i++) assert.ok(limiter.take('a', 0).ok);
        let verdict = limiter.take('a', 0);
        // Refusals cost nothing: asking again and again does not push the next grant later.
        for (let i = 0; i < extra; i++) verdict = limiter.take('a', 0);
        assert.equal(verdict.ok, false);
        if (verdict.ok) return;
        const at = verdict.retryAfterMs;
        if (at > 1) assert.equal(limiter.take('a', at - 1).ok, false);
        assert.ok(limiter.take('a', at + 1e-6).ok);
      },
    ),
    { numRuns: 200 },
  );
});

it('the buckets stay within maxClients under a flood of addresses, and full ones go first', () => {
  const limiter = new RateLimiter({ ratePerSec: 1, burst: 5, maxClients: 100 });
  for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`, 0);
  assert.ok(limiter.tracked <= 100, `${limiter.tracked} buckets`);
  // A client that spent its burst keeps its (empty) bucket when the room is made from full ones.
  const limiter2 = new RateLimiter({ ratePerSec: 1, burst: 2, maxClients: 3 });
  limiter2.take('greedy', 10_000);
  limiter2.take('greedy', 10_000);
  limiter2.take('x', 0);
  limiter2.take('y', 0);
  limiter2.take('z', 10_000); // x and y have refilled by now: they are dropped, greedy is kept
  assert.equal(limiter2.take('greedy', 10_000).ok, false, 'the spent bucket survived the sweep');
});

it('refuses nonsense options', () => {
  assert.throws(() => new RateLimiter({ ratePerSec: 0, burst: 1 }), RangeError);
  assert.throws(() => new RateLimiter({ ratePerSec: 1, burst: 0.5 }), RangeError);
  assert.throws(() => new RateLimiter({ ratePerSec: 1, burst: 1, maxClients: 0 }), RangeError);
});

it('clients are keyed by IPv4 address, or by the /64 of an IPv6 address', () => {
  assert.equal(rateKeyOf('10.0.0.7'), '10.0.0.7');
  assert.equal(rateKeyOf('::ffff:10.0.0.7'), '10.0.0.7');
  assert.equal(rateKeyOf('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(rateKeyOf('2001:DB8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(rateKeyOf('2001:0db8:0001:0002:0:0:0:1'), '2001:db8:1:2::/64');
  assert.equal(rateKeyOf('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(rateKeyOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(rateKeyOf('::1'), '0:0:0:0::/64');
  assert.notEqual(rateKeyOf('2001:db8:1:2::1'), rateKeyOf('2001:db8:1:3::1'));
});
