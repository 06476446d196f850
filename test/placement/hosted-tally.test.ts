/**
 * The dispatch recovery bench's arithmetic (bench/dispatch/recovery-count.ts): live heroes hosted
 * by no node or by several, and the hero-seconds between samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostedTally, hostedSample } from '../../bench/dispatch/recovery-count.ts';

test('a sample counts live heroes hosted nowhere and copies beyond the first; dead heroes are ignored', () => {
  const s = hostedSample(['a', 'b', 'c'], [['a', 'b', 'gone'], ['b'], []]);
  assert.deepEqual([s.live, s.unhosted, s.extra, s.clean], [3, 1, 1, false]);
  assert.deepEqual([...s.missing], ['c']);
  assert.equal(hostedSample(['a', 'b'], [['a'], ['b']]).clean, true);
});

test('hero-seconds hold each sample until the next; clean runs restart on any unclean sample', () => {
  const tally = new HostedTally();
  tally.add(hostedSample(['a', 'b'], [['a']]), 0); // b unhosted
  tally.add(hostedSample(['a', 'b'], [['a', 'b'], ['b']]), 500); // b twice
  tally.add(hostedSample(['a', 'b'], [['a', 'b']]), 1500);
  assert.equal(tally.unhostedHeroMs, 500);
  assert.equal(tally.duplicatedHeroMs, 1000);
  assert.equal(tally.cleanSince, 1500);
  tally.add(hostedSample(['a', 'b'], [['a', 'b']]), 2000);
  assert.equal(tally.cleanSince, 1500);
  tally.add(hostedSample(['a', 'b'], [['a']]), 2500);
  assert.equal(tally.cleanSince, undefined);
});

test('with a previous sample, a hero counts as unhosted only when it was missing in both', () => {
  const first = hostedSample(['a', 'b'], [['a']], new Set());
  assert.equal(first.unhosted, 0); // b missing once: perhaps it has just died
  assert.equal(first.clean, true);
  const second = hostedSample(['a', 'b'], [['a']], first.missing);
  assert.equal(second.unhosted, 1);
  assert.equal(second.clean, false);
});
