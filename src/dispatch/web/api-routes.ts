/**
 * The JSON API of a dispatch node. Every input is validated (`validation.ts`) before the service is
 * called; every failure becomes `{"error": {"code", "message"}}` through the server's error handler.
 *
 * | method and path | answer |
 * | --- | --- |
 * | `GET /api/heroes` | 200 `{"heroes": Hero[]}` |
 * | `POST /api/heroes` `{"name"?}` | 201 `Hero`, `location: /api/heroes/<id>` |
 * | `GET /api/heroes/:id` | 200 `Hero`; 404 never existed; 409 `dead_hero` terminated or dead |
 * | `DELETE /api/heroes/:id` | 204; 409 `dead_hero` already dead |
 * | `POST /api/heroes/:id/assign` `{"location"}` | 200 `Hero` |
 * | `GET /api/cluster` | 200 `ClusterView` |
 * | `POST /api/cities/:city/destroy` (`random` allowed) | 200 `{"city"}`: the city destroyed |
 * | `POST /api/nodes/:node/shutdown` · `restart` · `partition` · `heal` | 202 `{"node", "action"}` |
 *
 * POST and DELETE of heroes accept an `Idempotency-Key` header (`idempotency-key.ts`): a retry
 * after a 504 `outcome_unknown` or a lost answer applies at most once.
 *
 * ```ts
 * registerApiRoutes(app, service);
 * ```
 *
 * When not to use: the page and the event stream are registered by their own modules.
 */
import type { FastifyInstance } from 'fastify';
import type { DispatchService, NodeAction } from '../service.ts';
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

const NODE_ACTIONS: readonly NodeAction[] = ['shutdown', 'restart', 'partition', 'heal'];

export function registerApiRoutes(app: FastifyInstance, service: DispatchService): void {
  app.get('/api/heroes', async () => ({ heroes: await service.listHeroes() }));

  app.post('/api/heroes', async (request, reply) => {
    const body = parseInput(createHeroBody, request.body, 'body');
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
    const { city } = parseInput(cityParams, request.params, 'path');
    parseInput(emptyBody, request.body, 'body');
    return { city: await service.destroyCity(city) };
  });

  for (const action of NODE_ACTIONS) {
    app.post(`/api/nodes/:node/${action}`, async (request, reply) => {
      const { node } = parseInput(nodeParams, request.params, 'path');
      parseInput(emptyBody, request.body, 'body');
      await service.nodeAction(node, action);
      return reply.code(202).send({ node, action });
    });
  }
}
