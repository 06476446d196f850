/** The hero record model: tombstones win, idempotency keys are bounded, ids follow create keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { HeroRecord } from '../../src/dispatch/hero-record.ts';
import {
  MAX_REQUEST_KEYS,
  applied,
  heroIdFor,
  isTombstone,
  resolveRecord,
  toApiHero,
  toTombstone,
  withRequest,
} from '../../src/dispatch/hero-record.ts';
import { newHero } from '../../src/dispatch/rules.ts';

const ID = '11111111-1111-4111-8111-111111111111';
const live = (health: number): HeroRecord => ({ ...newHero(ID, 'Lady Nova', '', 0), health });

test('property: among concurrent values, any tombstone wins whatever the order', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 5 }), fc.nat(), (healths, at) => {
      const values = healths.map(live);
      const tomb = toTombstone(live(50), 0);
      const mixed = [...values];
      mixed.splice(at % (values.length + 1), 0, tomb);
      assert.ok(isTombstone(resolveRecord(mixed)));
      assert.equal(resolveRecord(values), values[0]);
    }),
  );
});

test('a record keeps the last MAX_REQUEST_KEYS idempotency keys, and a tombstone keeps them too', () => {
  let r = live(100);
  for (let i = 0; i < MAX_REQUEST_KEYS + 3; i++) r = withRequest(r, `k${i}`);
  assert.equal(r.requests?.length, MAX_REQUEST_KEYS);
  assert.ok(!applied(r, 'k0') && applied(r, `k${MAX_REQUEST_KEYS + 2}`));
  const tomb = toTombstone(r, 5, 'del');
  assert.ok(applied(tomb, 'del') && applied(tomb, `k${MAX_REQUEST_KEYS + 2}`));
  assert.equal(tomb.requests?.length, MAX_REQUEST_KEYS);
});

test('the API hero has no keys and names the node from placement', () => {
  const r = withRequest(live(80), 'k');
  assert.ok(!isTombstone(r));
  const hero = toApiHero(r, 'gotham');
  assert.equal(hero.node, 'gotham');
  assert.equal('requests' in hero, false);
});

test('a create key names one UUID v4 hero id, the same each time', () => {
  const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.string({ minLength: 1, maxLength: 40 }),
      (a, b) => {
        assert.match(heroIdFor(a), v4);
        assert.equal(heroIdFor(a), heroIdFor(a));
        if (a !== b) assert.notEqual(heroIdFor(a), heroIdFor(b));
      },
    ),
  );
});
