/**
 * In-process city nodes for the dispatch tests: one cluster node each over loopback TCP, seeded
 * with the ones before it, each running the dispatch application as a city with slow game ticks
 * (tests drive the game themselves) and a seeded random source.
 */
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { testLogger } from '../test-logger.ts';
import type { DispatchApp, DispatchAppOptions } from '../../src/dispatch/app.ts';
import { startDispatchApp } from '../../src/dispatch/app.ts';
import type { Store } from '../../packages/runtime/src/store/types.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import type { TestContext } from 'node:test';
import type { CrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import type { Hero } from '../../src/dispatch/model.ts';

export interface City<S extends Store> {
  node: ClusterNode;
  store: S;
  app: DispatchApp;
  /** The application gave up (its `onGiveUp` ran). */
  gaveUp: boolean;
  /** Restarts of the City actor seen by `onCityRestart` hooks that count them. */
  restarts: number;
}

export interface CitiesOptions<S extends Store> {
  readonly storeMode: DispatchAppOptions['storeMode'];
  /** The store of each node: one shared store, or one per node. */
  readonly store: (node: ClusterNode) => S | Promise<S>;
  /** More application options for a node, given its city (to count into it). */
  readonly extra?: (city: City<S>) => Partial<DispatchAppOptions>;
}

/** Starts the cities in order and waits until every node sees every other one. */
export async function startCities<S extends Store>(names: string[], o: CitiesOptions<S>): Promise<City<S>[]> {
  const cities: City<S>[] = [];
  for (const [i, name] of names.entries()) {
    const node = await startNode({
      name,
      cookie: COOKIE,
      seeds: cities.map((c) => c.node.address),
      logger: testLogger,
    });
    const city = { node, store: await o.store(node), gaveUp: false, restarts: 0 } as City<S>;
    city.app = await startDispatchApp({
      node,
      store: city.store,
      storeMode: o.storeMode,
      role: 'city',
      url: `http://127.0.0.1:${4900 + i}`,
      control: () => Promise.resolve(),
      onGiveUp: () => (city.gaveUp = true),
      rng: seededRandom(i + 1),
      heroTickMs: 60_000,
      cityTickMs: 60_000,
      ...o.extra?.(city),
    });
    cities.push(city);
  }
  await waitFor(() => cities.every((c) => c.node.nodes().length === names.length - 1), 10_000);
  return cities;
}

/** Stops each city's placement and node, and its store when `closeStores` (one store per node). */
export async function stopCities<S extends Store>(cities: City<S>[], closeStores = false): Promise<void> {
  for (const c of cities) {
    c.app.sweep.stop();
    await c.app.placement.stop();
    if (closeStores) await c.store.close();
    await c.node.stop();
  }
}

/**
 * Two crdt cities (gotham, metropolis; stopped after the test) and one hero created on gotham,
 * once its actor runs: `runner` is the city that runs it, `other` the one that does not.
 */
export async function crdtPairWithHero(t: TestContext, name: string) {
  const names = ['gotham', 'metropolis'];
  const cities = await startCities<CrdtStore>(names, {
    storeMode: 'crdt',
    store: (node) => startCrdtStore({ node }),
    extra: () => ({ cities: names }),
  });
  t.after(() => stopCities(cities, true));
  const hero: Hero = await cities[0]!.app.service.createHero({ name });
  const runs = (c: City<CrdtStore>): boolean => c.app.placement.localKeys().includes(hero.id);
  await waitFor(() => cities.some(runs), 10_000, 'actor runs');
  const runner = cities.find(runs)!;
  const other = cities.find((c) => c !== runner)!;
  return { cities, hero, runner, other };
}
