/**
 * The JSON API of a dispatch node. Every input is validated (`validation.ts`) before the service is
 * called; every failure becomes `{"error": {"code", "message"}}` through the server's error handler.
 *
 * | method and path | answer |
 * | --- | --- |
 * | `GET /api/heroes` | 200 `{"heroes": Hero[]}` |
 * | `POST /api/heroes` `{"name"?}` | 201 `Hero`, `location: /api/heroes/<id>` |
 * | `GET /api/heroes/:id` | 200 `Hero`; 404 never existed; 409 `dead_hero` terminated or dead; 503 `unavailable` absent from this node's crdt replica while it refills |
 * | `DELETE /api/heroes/:id` | 204; 409 `dead_hero` already dead |
 * | `POST /api/heroes/:id/assign` `{"location"}` | 200 `Hero` |
 * | `GET /api/cluster` | 200 `ClusterView` |
 * | `POST /api/cities/:city/destroy` (`random` allowed) | 200 `{"city"}`: the city destroyed |
 * | `POST /api/nodes/:node/shutdown` · `restart` · `partition` · `heal` | 202 `{"node", "action"}` |
 *
 * The chaos routes (destroy, and the node actions) answer 403 `chaos_disabled` when `chaos` is
 * false; creating a hero beyond `heroCap.max` answers 503 `hero_limit`. Neither asks the service.
 * POST and DELETE of heroes accept an `Idempotency-Key` header (`idempotency-key.ts`): a retry
 * after a 504 `outcome_unknown` or a lost answer applies at most once.
 *
 * ```ts
 * registerApiRoutes(app, service, { chaos: true, heroCap: { max: 10_000, count: () => directory.size } });
 * ```
 *
 * When not to use: the page and the event stream are registered by their own modules.
 */
import type { FastifyInstance } from 'fastify';
import { NODE_ACTION_NAMES } from '../node-actions.ts';
import type { DispatchService } from '../service.ts';
import { CapacityError, ChaosDisabledError } from './errors.ts';
import { idempotencyOf } from './idempotency-key.ts';
import {
  assignBody,
  cityParams,
  createHeroBody,
  emptyBody,
  heroIdParams,
  nodeParams,
  parseInput,
} from './validation.ts';

export interface ApiRouteOptions {
  /** Chaos routes on. */
  readonly chaos: boolean;
  /** Most heroes accepted, and the count now. Default: no cap. */
  readonly heroCap?: { readonly max: number; readonly count: () => number };
}

export function registerApiRoutes(
  app: FastifyInstance,
  service: DispatchService,
  options: ApiRouteOptions,
): void {
  const chaos = (): void => {
    if (!options.chaos) throw new ChaosDisabledError();
  };

  app.get('/api/heroes', async () => ({ heroes: await service.listHeroes() }));

  app.post('/api/heroes', async (request, reply) => {
    const body = parseInput(createHeroBody, request.body, 'body');
    const cap = options.heroCap;
    if (cap !== undefined && cap.count() >= cap.max) {
      throw new CapacityError(
        'hero_limit',
        `the cluster holds ${cap.max} heroes, its limit; delete some first`,
      );
    }
    const hero = await service.createHero(
      body.name === undefined ? {} : { name: body.name },
      idempotencyOf(request.headers),
    );
    return reply.code(201).header('location', `/api/heroes/${hero.id}`).send(hero);
  });

  app.get('/api/heroes/:id', async (request) => {
    const { id } = parseInput(heroIdParams, request.params, 'path');
    return service.getHero(id);
  });

  app.delete('/api/heroes/:id', async (request, reply) => {
    const { id } = parseInput(heroIdParams, request.params, 'path');
    parseInput(emptyBody, request.body, 'body');
    await service.terminateHero(id, idempotencyOf(request.headers));
    return reply.code(204).send();
  });

  app.post('/api/heroes/:id/assign', async (request) => {
    const { id } = parseInput(heroIdParams, request.params, 'path');
    const { location } = parseInput(assignBody, request.body, 'body');
    return service.assignHero(id, location, idempotencyOf(request.headers));
  });

  app.get('/api/cluster', async () => service.cluster());

  app.post('/api/cities/:city/destroy', async (request) => {
    chaos();
    const { city } = parseInput(cityParams, request.params, 'path');
    parseInput(emptyBody, request.body, 'body');
    return { city: await service.destroyCity(city) };
  });

  for (const action of NODE_ACTION_NAMES) {
    app.post(`/api/nodes/:node/${action}`, async (request, reply) => {
      chaos();
      const { node } = parseInput(nodeParams, request.params, 'path');
      parseInput(emptyBody, request.body, 'body');
      await service.nodeAction(node, action);
      return reply.code(202).send({ node, action });
    });
  }
}
