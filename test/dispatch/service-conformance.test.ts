/**
 * The dispatch-service contract (src/dispatch/conformance/dispatch-service.ts) against the cluster
 * service in process — three city nodes over loopback TCP, on one shared CP store and on the real
 * CRDT replicas — and against the in-memory fake the page tests use: the fake must answer what the
 * real service answers. Over HTTP against real node processes: test/multiprocess/nemesis-conformance.
 */
import type { City } from './cities.ts';
import { startCities, stopCities } from './cities.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import type { Store } from '../../packages/runtime/src/store/types.ts';
import { dispatchServiceConformance } from '../../src/dispatch/conformance/dispatch-service.ts';
import type { DispatchSubject } from '../../src/dispatch/conformance/dispatch-service.ts';
import { MemoryDispatchService, asNode } from '../dispatch-web/memory-service.ts';
import { heroesOf, killHero } from './hero-kill.ts';

const NAMES = ['gotham', 'metropolis', 'capitol'];

function citySubject<S extends Store>(cities: City<S>[], closeStores: boolean): DispatchSubject {
  const [first, second] = cities as [City<S>, City<S>];
  return {
    service: first.app.service,
    other: second.app.service,
    nodes: NAMES,
    kill: (id) => killHero(heroesOf(first), first, id),
    stop: () => stopCities(cities, closeStores),
  };
}

dispatchServiceConformance('memory fake', {
  start: async () => {
    const fake = new MemoryDispatchService({ nodes: NAMES });
    return {
      service: fake,
      other: asNode(fake, 'metropolis'),
      nodes: NAMES,
      kill: async (id) => fake.kill(id),
      stop: async () => undefined,
    };
  },
});

dispatchServiceConformance('cluster service on a shared CP store', {
  start: async () => {
    const store = new MemoryStore();
    return citySubject(
      await startCities(NAMES, { storeMode: 'raft', store: () => store, extra: () => ({ cities: NAMES }) }),
      false,
    );
  },
});

dispatchServiceConformance('cluster service on CRDT replicas', {
  start: async () =>
    citySubject(
      await startCities(NAMES, {
        storeMode: 'crdt',
        store: (node) => startCrdtStore({ node }),
        extra: () => ({ cities: NAMES }),
      }),
      true,
    ),
});
