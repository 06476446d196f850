// ClientCaps, the pure counter behind the connection and event-stream caps: per-client and total
// limits hold for any sequence of acquires and releases (checked against a plain model).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { ClientCaps } from '../../src/dispatch/web/client-caps.ts';

it('a client beyond its share is refused with "client", everyone beyond the total with "total"', () => {
  const caps = new ClientCaps({ perClient: 2, total: 3 });
  assert.equal(caps.acquire('a'), 'ok');
  assert.equal(caps.acquire('a'), 'ok');
  assert.equal(caps.acquire('a'), 'client');
  assert.equal(caps.acquire('b'), 'ok');
  assert.equal(caps.acquire('c'), 'total');
  caps.release('a');
  assert.equal(caps.acquire('c'), 'ok');
  assert.equal(caps.open, 3);
});

it('releasing what was never granted changes nothing, and a client at zero is forgotten', () => {
  const caps = new ClientCaps({ perClient: 1, total: 1 });
  caps.release('ghost');
  assert.equal(caps.open, 0);
  assert.equal(caps.acquire('a'), 'ok');
  caps.release('a');
  caps.release('a');
  assert.equal(caps.open, 0);
  assert.equal(caps.heldBy('a'), 0);
});

it('rejects limits below 1', () => {
  assert.throws(() => new ClientCaps({ perClient: 0, total: 5 }), RangeError);
  assert.throws(() => new ClientCaps({ perClient: 1, total: 1.5 }), RangeError);
});

it('property: any sequence keeps every count within its limit and equal to a plain model', () => {
  const op = fc.record({ acquire: fc.boolean(), client: fc.constantFrom('a', 'b', 'c', 'd') });
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 8 }),
      fc.array(op, { maxLength: 200 }),
      (perClient, total, ops) => {
        const caps = new ClientCaps({ perClient, total });
        const model = new Map<string, number>();
        for (const { acquire, client } of ops) {
          const held = model.get(client) ?? 0;
          const sum = [...model.values()].reduce((x, y) => x + y, 0);
          if (acquire) {
            const expected = held >= perClient ? 'client' : sum >= total ? 'total' : 'ok';
            assert.equal(caps.acquire(client), expected);
            if (expected === 'ok') model.set(client, held + 1);
          } else {
            caps.release(client);
            if (held > 0) model.set(client, held - 1);
          }
          assert.equal(
            caps.open,
            [...model.values()].reduce((x, y) => x + y, 0),
          );
          assert.ok(caps.open <= total);
          for (const [c, n] of model) assert.equal(caps.heldBy(c), n);
        }
      },
    ),
    { seed: Number(process.env.SEED ?? Date.now() % 2 ** 31), verbose: 1 },
  );
});
