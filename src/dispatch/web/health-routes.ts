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
 * it would not help), only not ready. `probeAnswer` is the one place the probes' answers are made;
 * the probe listener (`probe-server.ts`) serves the same answers on a port of its own, from a thread
 * that also answers `/livez` 503 `event_loop_stalled` when the main loop has stopped turning.
 *
 * When not to use: cluster state is `GET /api/cluster`.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { DispatchService } from '../service.ts';

export type ProbeName = 'livez' | 'readyz';

/** What a probe needs of the service: its name and readiness, nothing that waits on the cluster. */
export type ProbeSubject = Pick<DispatchService, 'nodeName' | 'ready' | 'notReadyReason'>;

export interface ProbeAnswer {
  readonly status: 200 | 503;
  readonly body: unknown;
}

/** The answer of `/livez` or `/readyz`, now. Synchronous and cheap: it must not wait on anything. */
export function probeAnswer(service: ProbeSubject, probe: ProbeName): ProbeAnswer {
  if (probe === 'livez') return { status: 200, body: { status: 'ok', node: service.nodeName } };
  if (service.ready()) return { status: 200, body: { status: 'ready', node: service.nodeName } };
  const reason = service.notReadyReason?.() ?? 'it has not joined the cluster or cannot reach its store';
  return {
    status: 503,
    body: { error: { code: 'not_ready', message: `${service.nodeName} is not ready: ${reason}` } },
  };
}

export function registerHealthRoutes(
  app: FastifyInstance,
  service: DispatchService,
  registry: Registry | undefined,
): void {
  for (const probe of ['livez', 'readyz'] as const) {
    app.get(`/${probe}`, async (_request, reply) => {
      const answer = probeAnswer(service, probe);
      if (answer.status === 503) reply.header('retry-after', '1');
      return reply.code(answer.status).send(answer.body);
    });
  }

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
