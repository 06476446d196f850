/**
 * The nodes panel in raft mode shows each node's Raft role (voter or learner) and the group's
 * term and leader; the Assign list offers the cities up, whatever their names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterView } from '../../src/dispatch/model.ts';
import { citiesOf } from '../../src/dispatch/web/hero-row.ts';
import { renderClusterPanel } from '../../src/dispatch/web/page-parts.ts';

const view: ClusterView = {
  self: 'gotham',
  storeMode: 'raft',
  nodes: [
    {
      name: 'gotham',
      role: 'city',
      status: 'up',
      url: '',
      heroesHosted: 2,
      storeRole: 'leader',
      raftMember: 'voter',
    },
    {
      name: 'krypton',
      role: 'city',
      status: 'up',
      url: '',
      heroesHosted: 0,
      storeRole: 'learner',
      raftMember: 'learner',
    },
    {
      name: 'capitol',
      role: 'city',
      status: 'down',
      url: '',
      heroesHosted: 0,
      storeRole: 'none',
      raftMember: 'voter',
    },
    {
      name: 'hq',
      role: 'dispatch',
      status: 'up',
      url: '',
      heroesHosted: 0,
      storeRole: 'learner',
      raftMember: 'learner',
    },
  ],
  raft: { term: 7, leader: 'gotham', voters: ['capitol', 'gotham'], learners: ['hq', 'krypton'] },
};

test('the panel shows the raft term, the leader and each node as voter or learner', () => {
  const text = String(renderClusterPanel(view));
  assert.match(text, /term 7, leader gotham/);
  assert.match(text, /leader <span class="muted">\(voter\)<\/span>/);
  assert.match(text, /learner <span class="muted">\(learner\)<\/span>/);
});

test('the assign list offers the city nodes up, any name, the demo five first', () => {
  assert.deepEqual(citiesOf(view), ['gotham', 'krypton']);
});
