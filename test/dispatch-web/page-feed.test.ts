// PageFeed, the pure core of a page's live stream: what rows the page is told to add, replace and
// remove. The property test replays random histories (with stale and duplicate deliveries) against a
// model of the page's DOM. fast-check prints the seed and path of any failure; replay with FC_SEED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClusterView, DispatchEvent, Hero } from '../../src/dispatch/model.ts';
import { PageFeed } from '../../src/dispatch/web/index.ts';
import type { PageOp } from '../../src/dispatch/web/index.ts';
import type { MapCard } from '../../src/dispatch/web/map-model.ts';

const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};

function hero(id: string, updatedAt: number, health = 100): Hero {
  return {
    id,
    name: `Hero ${id}`,
    location: 'home',
    node: 'gotham',
    isPatrolling: false,
    health,
    fightsWon: 0,
    fightsLost: 0,
    updatedAt,
  };
}

const CLUSTER: ClusterView = { self: 'gotham', storeMode: 'raft', nodes: [] };
const kinds = (ops: readonly PageOp[]): string[] => ops.map((op) => op.kind);
/** The table, log and nodes operations: the pager and the map are tested on their own. */
const core = (ops: readonly PageOp[]): PageOp[] =>
  ops.filter((op) => op.kind !== 'pager' && op.kind !== 'map');

test('nothing is sent before the first snapshot: the page rows are unknown until then', () => {
  const feed = new PageFeed();
  feed.push({ type: 'hero', hero: hero('a', 1) });
  assert.equal(feed.hasPending, false);
  assert.deepEqual(core(feed.take()), []);
  feed.snapshot([], CLUSTER, []);
  const ops = feed.take();
  assert.deepEqual(kinds(ops), ['reset', 'log-reset', 'pager', 'cluster', 'map', 'count']);
  assert.deepEqual(ops[0], { kind: 'reset', heroes: [hero('a', 1)] });
});

test('a snapshot replaces the table, the log and the nodes panel', () => {
  const feed = new PageFeed();
  feed.snapshot([hero('a', 1), hero('b', 1)], CLUSTER, [{ level: 'info', message: 'hello', at: 5 }]);
  const ops = core(feed.take());
  assert.deepEqual(ops, [
    { kind: 'reset', heroes: [hero('a', 1), hero('b', 1)] },
    { kind: 'log-reset', lines: [{ seq: 0, entry: { level: 'info', message: 'hello', at: 5 } }] },
    { kind: 'cluster', cluster: CLUSTER },
    { kind: 'count', heroes: 2 },
  ]);
  assert.equal(feed.rows, 2);
});

test('changes to one hero within a batch coalesce into one row update, the newest', () => {
  const feed = new PageFeed();
  feed.snapshot([hero('a', 1)], undefined, []);
  feed.take();
  for (let t = 2; t <= 40; t++) feed.push({ type: 'hero', hero: hero('a', t, 100 - t) });
  feed.push({ type: 'hero', hero: hero('a', 3, 1) }); // a stale, late delivery
  assert.deepEqual(core(feed.take()), [{ kind: 'upsert', hero: hero('a', 40, 60), isNew: false }]);
});

test('an upsert older than the row shown is dropped', () => {
  const feed = new PageFeed();
  feed.snapshot([hero('a', 10)], undefined, []);
  feed.take();
  feed.push({ type: 'hero', hero: hero('a', 9) });
  assert.deepEqual(core(feed.take()), []);
});

test('a deletion removes a shown row; a deletion of an unknown row sends nothing', () => {
  const feed = new PageFeed();
  feed.snapshot([hero('a', 1)], undefined, []);
  feed.take();
  feed.push({ type: 'hero-deleted', id: 'a' });
  feed.push({ type: 'hero-deleted', id: 'zzz' });
  assert.deepEqual(core(feed.take()), [
    { kind: 'remove', id: 'a' },
    { kind: 'count', heroes: 0 },
  ]);
});

test('a late upsert cannot resurrect a deleted hero', () => {
  const feed = new PageFeed();
  feed.snapshot([hero('a', 1)], undefined, []);
  feed.take();
  feed.push({ type: 'hero-deleted', id: 'a' });
  feed.take();
  feed.push({ type: 'hero', hero: hero('a', 99) });
  assert.deepEqual(core(feed.take()), []);
  feed.push({ type: 'hero-deleted', id: 'b' });
  feed.push({ type: 'hero', hero: hero('b', 5) });
  assert.deepEqual(core(feed.take()), [], 'deleted first within the same batch');
});

test('a cluster event that arrives while the snapshot is read wins over the snapshot', () => {
  const feed = new PageFeed();
  const newer: ClusterView = { ...CLUSTER, storeMode: 'crdt' };
  feed.beginSnapshot();
  feed.push({ type: 'cluster', cluster: newer });
  feed.snapshot([], CLUSTER, []);
  const ops = feed.take();
  assert.deepEqual(
    ops.filter((op) => op.kind === 'cluster'),
    [{ kind: 'cluster', cluster: newer }],
  );
  assert.equal(feed.cluster, newer);
});

test('the log keeps at most logCapacity lines: each new line past it evicts the oldest', () => {
  const feed = new PageFeed({ logCapacity: 3 });
  const log = (n: number): DispatchEvent => ({ type: 'log', level: 'info', message: `line ${n}`, at: n });
  feed.push(log(0)); // before the snapshot: the snapshot's recent log covers it
  feed.snapshot([], undefined, [
    { level: 'info', message: 'line 0', at: 0 },
    { level: 'info', message: 'line 1', at: 1 },
  ]);
  feed.take();
  const lines = (): (string | number | undefined)[][] =>
    feed
      .take()
      .filter((op) => op.kind === 'log')
      .map((op) => [op.line.seq, op.line.entry.message, op.evict]);
  feed.push(log(2));
  feed.push(log(3));
  assert.deepEqual(lines(), [
    [2, 'line 2', undefined],
    [3, 'line 3', 0],
  ]);
  feed.push(log(4));
  feed.push(log(5));
  assert.deepEqual(lines(), [
    [4, 'line 4', 1],
    [5, 'line 5', 2],
  ]);
  for (let n = 6; n <= 10; n++) feed.push(log(n));
  assert.deepEqual(
    lines().map(([, message]) => message),
    ['line 8', 'line 9', 'line 10'],
    'a burst larger than the log keeps only its newest lines',
  );
});

test('a failed snapshot flashes "Database failed with <reason>." over an empty table', () => {
  const feed = new PageFeed();
  feed.snapshotFailed('no quorum: minority.');
  assert.deepEqual(core(feed.take()), [
    { kind: 'reset', heroes: [] },
    { kind: 'flash', level: 'error', text: 'Database failed with no quorum: minority.' },
    { kind: 'count', heroes: 0 },
  ]);
});

// ---- property: the page converges to the service state whatever the history ----

type Step =
  | { readonly kind: 'create' }
  | { readonly kind: 'update'; readonly pick: number }
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'stale'; readonly pick: number }
  | { readonly kind: 'take' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Step>({ kind: 'create' }) },
  { weight: 5, arbitrary: fc.nat(50).map((pick): Step => ({ kind: 'update', pick })) },
  { weight: 2, arbitrary: fc.nat(50).map((pick): Step => ({ kind: 'delete', pick })) },
  { weight: 2, arbitrary: fc.nat(200).map((pick): Step => ({ kind: 'stale', pick })) },
  { weight: 3, arbitrary: fc.constant<Step>({ kind: 'take' }) },
);

/** The page's table as the browser holds it; applying an impossible op fails the test. */
function applyToPage(page: Map<string, Hero>, ops: readonly PageOp[]): void {
  for (const op of ops) {
    switch (op.kind) {
      case 'reset':
        page.clear();
        for (const h of op.heroes) page.set(h.id, h);
        break;
      case 'upsert':
        assert.equal(page.has(op.hero.id), !op.isNew, `isNew must match the page for ${op.hero.id}`);
        page.set(op.hero.id, op.hero);
        break;
      case 'remove':
        assert.ok(page.has(op.id), `remove of a row the page does not show: ${op.id}`);
        page.delete(op.id);
        break;
      case 'count':
        assert.equal(op.heroes, page.size);
        break;
      case 'cluster':
      case 'log':
      case 'log-reset':
      case 'flash':
      case 'pager':
      case 'map':
        break;
    }
  }
}

test('property: after any history with stale and duplicate deliveries, the page shows exactly the live heroes', () => {
  fc.assert(
    fc.property(
      fc.array(step, { maxLength: 120 }),
      fc.nat(120),
      fc.nat(120),
      (steps, subscribeAt, snapshotAfter) => {
        const state = new Map<string, Hero>();
        const history: Hero[] = [];
        const feed = new PageFeed({ pageSize: 1000 }); // one page: every hero shown
        const page = new Map<string, Hero>();
        let clock = 0;
        let subscribed = false;
        let snapshotted = false;
        let nextId = 0;
        const deletedUnseen = new Set<string>();
        const emit = (event: DispatchEvent): void => {
          if (subscribed) feed.push(event);
        };
        const live = (pick: number): Hero | undefined => [...state.values()][pick % Math.max(1, state.size)];
        steps.forEach((s, i) => {
          if (i === subscribeAt) subscribed = true;
          if (subscribed && !snapshotted && i >= subscribeAt + snapshotAfter) {
            feed.snapshot([...state.values()], undefined, []);
            snapshotted = true;
          }
          switch (s.kind) {
            case 'create': {
              const h = hero(`h${nextId++}`, ++clock);
              state.set(h.id, h);
              history.push(h);
              emit({ type: 'hero', hero: h });
              break;
            }
            case 'update': {
              const h = live(s.pick);
              if (h === undefined) break;
              const next = { ...h, health: (h.health + 7) % 101, updatedAt: ++clock };
              state.set(h.id, next);
              history.push(next);
              emit({ type: 'hero', hero: next });
              break;
            }
            case 'delete': {
              const h = live(s.pick);
              if (h === undefined) break;
              state.delete(h.id);
              if (!subscribed) deletedUnseen.add(h.id);
              emit({ type: 'hero-deleted', id: h.id });
              break;
            }
            case 'stale': {
              // Service contract: a hero's upsert is never re-delivered to a stream that did not see
              // its deletion (a store does not emit changes for tombstoned keys).
              const old = history[s.pick % Math.max(1, history.length)];
              if (old !== undefined && !deletedUnseen.has(old.id)) emit({ type: 'hero', hero: old });
              break;
            }
            case 'take':
              applyToPage(page, feed.take());
              break;
          }
        });
        subscribed = true;
        if (!snapshotted) feed.snapshot([...state.values()], undefined, []);
        applyToPage(page, feed.take());
        assert.deepEqual(
          [...page.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
          [...state.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
        );
      },
    ),
    { ...fcParams, numRuns: 400 },
  );
});

// ---- property: a small window over a filter stays exactly the right rows, in order ----

type WindowStep =
  | { readonly kind: 'create'; readonly name: number }
  | { readonly kind: 'toggle'; readonly pick: number }
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'take' };

const windowStep: fc.Arbitrary<WindowStep> = fc.oneof(
  fc.nat(30).map((name): WindowStep => ({ kind: 'create', name })),
  fc.nat(60).map((pick): WindowStep => ({ kind: 'toggle', pick })),
  fc.nat(60).map((pick): WindowStep => ({ kind: 'delete', pick })),
  fc.constant<WindowStep>({ kind: 'take' }),
);

/** The page's rows in order, as the browser applies the ops; an impossible op fails the test. */
function applyToRows(rows: Hero[], ops: readonly PageOp[]): Hero[] {
  let out = rows;
  for (const op of ops) {
    if (op.kind === 'reset') out = [...op.heroes];
    else if (op.kind === 'remove') {
      assert.ok(
        out.some((h) => h.id === op.id),
        `remove of a row not shown: ${op.id}`,
      );
      out = out.filter((h) => h.id !== op.id);
    } else if (op.kind === 'upsert') {
      const at = out.findIndex((h) => h.id === op.hero.id);
      assert.equal(at < 0, op.isNew, `isNew must match the page for ${op.hero.id}`);
      if (at < 0) out = [...out, op.hero];
      else out = out.map((h, i) => (i === at ? op.hero : h));
    }
  }
  return out;
}

test('property: a window of pageSize rows over a status filter shows exactly that page, in table order', () => {
  fc.assert(
    fc.property(
      fc.array(windowStep, { maxLength: 150 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom<'fighting' | 'resting' | undefined>('fighting', 'resting', undefined),
      (steps, pageSize, pageNo, status) => {
        const view = { status, page: pageNo };
        const feed = new PageFeed({ pageSize, view });
        const state = new Map<string, Hero>();
        let rows: Hero[] = [];
        let clock = 0;
        let nextId = 0;
        feed.snapshot([], undefined, []);
        const live = (pick: number): Hero | undefined => [...state.values()][pick % Math.max(1, state.size)];
        const check = (): void => {
          rows = applyToRows(rows, feed.take(clock));
          assert.ok(rows.length <= pageSize, `${rows.length} rows for a page of ${pageSize}`);
        };
        for (const s of steps) {
          if (s.kind === 'create') {
            const h = { ...hero(`h${String(nextId++).padStart(3, '0')}`, ++clock), name: `Hero ${s.name}` };
            state.set(h.id, h);
            feed.push({ type: 'hero', hero: h });
          } else if (s.kind === 'toggle') {
            const h = live(s.pick);
            if (h === undefined) continue;
            const next = { ...h, isPatrolling: !h.isPatrolling, updatedAt: ++clock };
            state.set(h.id, next);
            feed.push({ type: 'hero', hero: next });
          } else if (s.kind === 'delete') {
            const h = live(s.pick);
            if (h === undefined) continue;
            state.delete(h.id);
            feed.push({ type: 'hero-deleted', id: h.id });
          } else check();
        }
        check();
        const passing = [...state.values()]
          .filter((h) => status === undefined || h.isPatrolling === (status === 'fighting'))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
        const pages = Math.max(1, Math.ceil(passing.length / pageSize));
        const shownPage = Math.min(pageNo, pages);
        const want = passing.slice((shownPage - 1) * pageSize, shownPage * pageSize);
        assert.deepEqual(rows, want);
      },
    ),
    { ...fcParams, numRuns: 300 },
  );
});

test('the pager says which rows of how many match, and the map counts every hero by node', () => {
  const feed = new PageFeed({ pageSize: 2, view: { page: 2 } });
  const cluster: ClusterView = {
    self: 'gotham',
    storeMode: 'raft',
    nodes: [
      { name: 'gotham', role: 'city', status: 'up', url: '', heroesHosted: 0, storeRole: 'leader' },
      {
        name: 'metropolis',
        role: 'city',
        status: 'partitioned',
        url: '',
        heroesHosted: 0,
        storeRole: 'follower',
      },
    ],
  };
  const heroes = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({
    ...hero(id, 1),
    node: i < 3 ? 'gotham' : 'metropolis',
  }));
  feed.snapshot(heroes, cluster, []);
  const ops = feed.take(10);
  const reset = ops.find((op) => op.kind === 'reset');
  assert.deepEqual(reset?.kind === 'reset' ? reset.heroes.map((h) => h.id) : [], ['c', 'd']);
  const pager = ops.find((op) => op.kind === 'pager');
  assert.deepEqual(pager?.kind === 'pager' ? pager.pager : undefined, {
    matching: 5,
    page: 2,
    pages: 3,
    first: 3,
    last: 4,
  });
  const map = ops.find((op) => op.kind === 'map');
  assert.ok(map?.kind === 'map');
  assert.deepEqual(
    map.map.cards.map((c) => [c.name, c.status, c.storeRole, c.heroes]),
    [
      ['gotham', 'up', 'leader', 3],
      ['metropolis', 'partitioned', 'follower', 2],
    ],
  );

  // A hero that moves to another node: its mark is on the new card, marked as moved.
  feed.push({ type: 'hero', hero: { ...hero('a', 2), node: 'metropolis' } });
  const moved = feed.take(20).find((op) => op.kind === 'map');
  assert.ok(moved?.kind === 'map');
  const metropolis = moved.map.cards.find((c) => c.name === 'metropolis');
  assert.deepEqual(
    metropolis?.marks?.filter((m) => m.id === 'a').map((m) => m.state),
    ['moved'],
  );
  assert.equal(feed.take(30).length, 0, 'nothing changed: nothing sent');

  // A hero that dies: its mark stays, fading, then goes.
  feed.push({ type: 'hero-deleted', id: 'e' });
  const died = feed.take(40).find((op) => op.kind === 'map');
  assert.ok(died?.kind === 'map');
  assert.deepEqual(
    died.map.cards
      .flatMap((c) => c.marks ?? [])
      .filter((m) => m.id === 'e')
      .map((m) => m.state),
    ['dying'],
  );
  feed.push({ type: 'hero', hero: { ...hero('b', 3), health: 10 } });
  const later = feed.take(10_000).find((op) => op.kind === 'map');
  assert.ok(later?.kind === 'map');
  assert.deepEqual(
    later.map.cards.flatMap((c) => c.marks ?? []).filter((m) => m.id === 'e'),
    [],
  );
});

test('a card with more heroes than the mark limit shows counts by health, and the marks of its arrivals', () => {
  const feed = new PageFeed({ map: { markLimit: 3, ghostMs: 1000 } });
  const cluster: ClusterView = {
    self: 'gotham',
    storeMode: 'crdt',
    nodes: [
      { name: 'gotham', role: 'city', status: 'up', url: '', heroesHosted: 0, storeRole: 'replica' },
      { name: 'metropolis', role: 'city', status: 'up', url: '', heroesHosted: 0, storeRole: 'replica' },
    ],
  };
  const heroes = [90, 80, 40, 10].map((health, i) => hero(`h${i}`, 1, health));
  feed.snapshot([...heroes, { ...hero('m', 1), node: 'metropolis' }], cluster, []);
  const cardsAt = (now: number): MapCard[] => {
    const op = feed.take(now).find((o) => o.kind === 'map');
    assert.ok(op?.kind === 'map');
    return [...op.map.cards];
  };
  assert.deepEqual(
    cardsAt(0).map((c) => [
      c.name,
      c.heroes,
      c.marks === undefined ? 'counts' : 'marks',
      c.bands,
      c.arrivals,
    ]),
    [
      ['gotham', 4, 'counts', { high: 2, mid: 1, low: 1 }, []],
      ['metropolis', 1, 'marks', { high: 1, mid: 0, low: 0 }, []],
    ],
  );
  feed.push({ type: 'hero', hero: { ...hero('m', 2), node: 'gotham' } });
  const arrived = cardsAt(100).find((c) => c.name === 'gotham');
  assert.deepEqual(
    arrived?.arrivals.map((m) => [m.id, m.state]),
    [['m', 'moved']],
  );
  feed.push({ type: 'hero', hero: hero('h0', 3, 95) });
  assert.deepEqual(
    cardsAt(2000).find((c) => c.name === 'gotham')?.arrivals,
    [],
    'after ghostMs: counted only',
  );
});
