/**
 * `GET /api/hosted`: the ids of the heroes whose actors run on this node now, as
 * `{"node": "gotham", "heroes": ["…", …]}` (sorted). `GET /api/cluster` gives only counts; this
 * list lets an operator, or a test, check that across the nodes every live hero runs exactly once
 * (no duplicate after a partition heals, none missing after a node goes down). 404 `not_found`
 * when the server was given no `hostedHeroes` source (a server without a placement behind it).
 *
 * ```ts
 * registerHostedRoute(app, service.nodeName, () => placement.localKeys());
 * ```
 *
 * When not to use: for the hero records themselves (`GET /api/heroes`).
 */
import type { FastifyInstance } from 'fastify';

export function registerHostedRoute(
  app: FastifyInstance,
  node: string,
  hostedHeroes: (() => readonly string[]) | undefined,
): void {
  app.get('/api/hosted', async (_request, reply) => {
    if (hostedHeroes === undefined) {
      return reply
        .code(404)
        .send({ error: { code: 'not_found', message: 'this node does not report its hosted heroes' } });
    }
    return { node, heroes: [...hostedHeroes()].sort() };
  });
}
