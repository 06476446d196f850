/**
 * The dispatch-service conformance suite: the HTTP contract of `src/dispatch/service.ts` and
 * `src/dispatch/web/errors.ts`, run against every `DispatchService` — the cluster service in
 * process, a real three-node cluster over HTTP (`dispatch-http-client.ts`), and the in-memory fake
 * the page tests use. A fake that answers what the real service does not fails here.
 *
 * ```ts
 * dispatchServiceConformance('memory fake', {
 *   start: async () => ({ service: new MemoryDispatchService(), kill: async (id) => fake.kill(id) }),
 * });
 * ```
 *
 * Covered: create, read, list, assign, terminate; 404 `not_found` only for an id that never existed
 * (read, assign, terminate) and for an unknown city or node; 409 `dead_hero` for read, assign and
 * terminate of a terminated hero and of one that died on its own (`kill`); 400 `bad_request` for an
 * unknown location; idempotency keys (a create, assign or terminate retried with its key applies
 * once and answers as the first time); `node` names where the hero's actor runs (eventually, within
 * `settleMs`). Each subject is started once for the whole suite and stopped at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Hero } from '../model.ts';
import type { DispatchErrorCode, DispatchService } from '../service.ts';
import { DispatchError } from '../service.ts';
import { waitFor } from '@superhero-dispatch/runtime/testing';

export interface DispatchSubject {
  /** The service under test (one node's view). */
  readonly service: DispatchService;
  /** Another node's view of the same cluster, when there is one: writes on one are seen on the other. */
  readonly other?: DispatchService;
  /** Make a hero die on its own (health 0, as in a lost fight); without it that case is skipped. */
  readonly kill?: (id: string) => Promise<void>;
  /** The node names a hero's actor may run on. */
  readonly nodes: readonly string[];
  stop(): Promise<void>;
}

export interface DispatchSubjectFactory {
  start(): Promise<DispatchSubject>;
  /** How long an eventually-true fact may take (replication, an actor starting), ms. Default 10 000. */
  readonly settleMs?: number;
}

const NEVER_EXISTED = '00000000-0000-4000-8000-000000000000';

const failsWith =
  (code: DispatchErrorCode) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof DispatchError, `a DispatchError, not ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };

export function dispatchServiceConformance(label: string, factory: DispatchSubjectFactory): void {
  const settle = factory.settleMs ?? 10_000;
  describe(`${label}: dispatch service contract`, () => {
    let s: DispatchSubject;
    before(async () => {
      s = await factory.start();
    });
    after(() => s?.stop());

    const eventually = async (what: string, fn: () => Promise<boolean>): Promise<void> => {
      await waitFor(fn, settle, what);
    };
    /** A write retried while it answers `unavailable` (nothing written: e.g. the actor is moving). */
    const settled = async <T>(fn: () => Promise<T>): Promise<T> => {
      const until = Date.now() + settle;
      for (;;) {
        try {
          return await fn();
        } catch (e) {
          if (!(e instanceof DispatchError && e.code === 'unavailable') || Date.now() > until) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };

    test('create answers a new hero at home with full health; read and list return it', async () => {
      const hero = await s.service.createHero({ name: 'Captain Falcon' });
      assert.equal(hero.name, 'Captain Falcon');
      assert.equal(hero.location, 'home');
      assert.equal(hero.health, 100);
      assert.equal((await s.service.getHero(hero.id)).name, 'Captain Falcon');
      assert.ok((await s.service.listHeroes()).some((h) => h.id === hero.id));
    });

    test("node names the node the hero's actor runs on", async () => {
      const hero = await s.service.createHero({});
      await eventually('the actor runs', async () =>
        s.nodes.includes((await s.service.getHero(hero.id)).node),
      );
    });

    test('an id that never existed is not_found for read, assign and terminate', async () => {
      await assert.rejects(s.service.getHero(NEVER_EXISTED), failsWith('not_found'));
      await assert.rejects(s.service.assignHero(NEVER_EXISTED, 'home'), failsWith('not_found'));
      await assert.rejects(s.service.terminateHero(NEVER_EXISTED), failsWith('not_found'));
    });

    test('an unknown city or node is not_found', async () => {
      // asgard is a city name the API accepts, but not a node of a three-city cluster.
      await assert.rejects(s.service.destroyCity('asgard'), failsWith('not_found'));
      await assert.rejects(s.service.nodeAction('atlantis', 'heal'), failsWith('not_found'));
    });

    test('assign to a name that is no city up is city_down, and writes nothing', async () => {
      const hero = await s.service.createHero({});
      await assert.rejects(s.service.assignHero(hero.id, 'atlantis' as never), failsWith('city_down'));
      assert.equal((await s.service.getHero(hero.id)).location, 'home');
    });

    test('assign moves the hero: the location is set and read back', async () => {
      const hero = await s.service.createHero({});
      const city = s.nodes[0] as Hero['location'];
      const assigned = await s.service.assignHero(hero.id, city);
      assert.equal(assigned.location, city);
      // Read back on this node: at once with a CP store, once replicated with an AP one.
      await eventually(
        'the assignment is read back',
        async () => (await s.service.getHero(hero.id)).location === city,
      );
    });

    test('a terminated hero is dead_hero for read, assign and terminate, everywhere', async () => {
      const hero = await s.service.createHero({});
      await s.service.terminateHero(hero.id);
      await assert.rejects(s.service.getHero(hero.id), failsWith('dead_hero'));
      await assert.rejects(s.service.assignHero(hero.id, 'home'), failsWith('dead_hero'));
      await assert.rejects(s.service.terminateHero(hero.id), failsWith('dead_hero'));
      assert.ok(!(await s.service.listHeroes()).some((h) => h.id === hero.id));
      const other = s.other;
      if (other) {
        await eventually('the other node knows', async () =>
          other.assignHero(hero.id, 'home').then(
            () => false,
            (e: unknown) => e instanceof DispatchError && e.code === 'dead_hero',
          ),
        );
        await assert.rejects(other.getHero(hero.id), failsWith('dead_hero'));
      }
    });

    test('a hero that died on its own is dead_hero for read, assign and terminate', async (t) => {
      const kill = s.kill;
      if (!kill) return t.skip('this subject cannot make a hero die on demand');
      const hero = await s.service.createHero({});
      await eventually('the actor runs', async () => (await s.service.getHero(hero.id)).node !== '');
      await kill(hero.id);
      await eventually('the death is known', async () =>
        s.service.getHero(hero.id).then(
          () => false,
          (e: unknown) => e instanceof DispatchError && e.code === 'dead_hero',
        ),
      );
      await assert.rejects(s.service.assignHero(hero.id, 'home'), failsWith('dead_hero'));
      await assert.rejects(s.service.terminateHero(hero.id), failsWith('dead_hero'));
    });

    test('a create retried with its idempotency key answers the same hero and creates one', async () => {
      const key = randomUUID();
      const first = await s.service.createHero({ name: 'Lady Nova' }, { idempotencyKey: key });
      const again = await s.service.createHero({ name: 'Lady Nova' }, { idempotencyKey: key });
      assert.equal(again.id, first.id);
      const listed = (await s.service.listHeroes()).filter((h) => h.id === first.id);
      assert.equal(listed.length, 1);
    });

    test('an assign retried with its idempotency key applies once', async () => {
      const hero = await s.service.createHero({});
      const city = s.nodes[s.nodes.length - 1] as Hero['location'];
      const key = randomUUID();
      const first = await settled(() => s.service.assignHero(hero.id, city, { idempotencyKey: key }));
      const again = await settled(() => s.service.assignHero(hero.id, city, { idempotencyKey: key }));
      assert.equal(again.location, first.location);
      assert.equal(again.health, first.health);
    });

    test('a terminate retried with its key succeeds again; without it, it is dead_hero', async () => {
      const hero = await s.service.createHero({});
      const key = randomUUID();
      await s.service.terminateHero(hero.id, { idempotencyKey: key });
      await s.service.terminateHero(hero.id, { idempotencyKey: key });
      await assert.rejects(
        s.service.terminateHero(hero.id, { idempotencyKey: randomUUID() }),
        failsWith('dead_hero'),
      );
      await assert.rejects(s.service.getHero(hero.id), failsWith('dead_hero'));
    });
  });
}
