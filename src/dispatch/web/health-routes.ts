/**
 * Probes and metrics: `GET /livez` (200 while the process serves HTTP), `GET /readyz` (200 when
 * `service.ready()`, else 503 `not_ready`), `GET /metrics` (the Prometheus text of the registry given
 * to the server; 404 when none was given).
 *
 * ```ts
 * registerHealthRoutes(app, service, registry);
 * // kubelet: livenessProbe /livez, readinessProbe /readyz; Prometheus scrapes /metrics
 * ```
 *
 * `/livez` asks nothing of the cluster on purpose: a node cut off from its peers is alive (restarting
 * it would not help), only not ready.
 *
 * When not to use: cluster state is `GET /api/cluster`.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { DispatchService } from '../service.ts';

export function registerHealthRoutes(
  app: FastifyInstance,
  service: DispatchService,
  registry: Registry | undefined,
): void {
  app.get('/livez', async () => ({ status: 'ok', node: service.nodeName }));

  app.get('/readyz', async (_request, reply) => {
    if (service.ready()) return { status: 'ready', node: service.nodeName };
    return reply
      .code(503)
      .header('retry-after', '1')
      .send({
        error: {
          code: 'not_ready',
          message: `${service.nodeName} is not ready: ${
            service.notReadyReason?.() ?? 'it has not joined the cluster or cannot reach its store'
          }`,
        },
      });
  });

  app.get('/metrics', async (_request, reply) => {
    if (registry === undefined) {
      return reply
        .code(404)
        .send({ error: { code: 'not_found', message: 'metrics are not enabled on this node' } });
    }
    const text = await registry.metrics();
    return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
  });
}
