import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FNV_OFFSET_BASIS, fmix32, fnv1a32 } from '../../packages/runtime/src/util/hash.ts';
import { hash32, hash64 } from '../../packages/runtime/src/crdt/core/hash.ts';
import { fnv1a, rendezvous } from '../../packages/runtime/src/placement/rendezvous.ts';

// Expected values were taken from the three copies this module replaced (CRDT digests, rendezvous
// placement, the linearizability checker's cache): the outputs must never change, or heroes move
// and digests of two versions disagree.
const KEYS = ['', 'a', 'hero-1', 'Batman\u0000gotham', 'ünïcødé-🦸', 'gotham#1\u00007'];

test('fnv1a32 is plain 32-bit FNV-1a over UTF-16 code units', () => {
  assert.deepEqual(
    KEYS.map((k) => fnv1a32(k)),
    [2166136261, 3826002220, 2001751639, 1791143440, 1073027397, 3627288660],
  );
  assert.equal(fnv1a32(''), FNV_OFFSET_BASIS);
  assert.equal(fnv1a32('a', 0), Math.imul(0x61, 0x01000193) >>> 0);
});

test('the CRDT digest lanes are unchanged', () => {
  assert.deepEqual(
    KEYS.map((k) => hash32(k, 0x811c9dc5)),
    [2872998923, 444641715, 2901007026, 1183140264, 3469959091, 1509951054],
  );
  assert.deepEqual(hash64('gotham#1\u00007'), [1509951054, 2814944212]);
  assert.deepEqual(hash64('hero-1'), [2901007026, 2240100413]);
  for (const k of KEYS) assert.equal(hash32(k, 12345), fmix32(fnv1a32(k, 12345)));
});

test('rendezvous scores and owners are unchanged', () => {
  assert.deepEqual(
    KEYS.map((k) => fnv1a(k)),
    [1572119809, 1469464775, 670393423, 360406041, 529463264, 849300694],
  );
  const nodes = ['gotham', 'metropolis', 'capitol', 'star-city', 'central-city'];
  const owners = Array.from({ length: 40 }, (_, i) => rendezvous(`hero-${i}`, nodes)!.slice(0, 2)).join('');
  assert.equal(owners, 'ststcacecemecegomestgostgostgoceststgoststmecestgomecacestmecastcamecagocegostst');
});

test('fmix32 is a bijection on the words it is given: distinct inputs, distinct outputs', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 100_000; i++) seen.add(fmix32(i * 40503));
  assert.equal(seen.size, 100_000);
  assert.equal(fmix32(0), 0);
});
