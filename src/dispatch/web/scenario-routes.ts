/**
 * The guided scenarios' routes: `POST /api/scenarios/:id` starts one (202 with `{ id, seq }`;
 * 403 `chaos_disabled` without chaos routes; 409 `scenario_running` while one runs; 404 for an
 * unknown id) and `GET /api/page/scenario` answers the panel's HTML (see `scenario-view.ts`).
 * Starting needs what every chaos route needs (token, same origin): the access check runs first.
 *
 * ```ts
 * registerScenarioRoutes(app, { service, chaos: true });
 * ```
 *
 * The runner stops with the server (its waits give up; the running step finishes).
 *
 * When not to use: single chaos actions are `/api/nodes/:node/:action` and `/api/cities/:city/destroy`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DispatchService } from '../service.ts';
import { ChaosDisabledError } from './errors.ts';
import { SCENARIO_IDS } from './scenario-plan.ts';
import type { ScenarioId } from './scenario-plan.ts';
import { ScenarioRunner } from './scenario-runner.ts';
import type { ScenarioRunnerOptions } from './scenario-runner.ts';
import { renderScenarioPanel } from './scenario-view.ts';
import { emptyBody, parseInput } from './validation.ts';

export interface ScenarioRouteDeps {
  readonly service: DispatchService;
  readonly chaos: boolean;
  readonly runner?: ScenarioRunnerOptions;
}

const scenarioParams = z.object({
  id: z.enum(SCENARIO_IDS as [ScenarioId, ...ScenarioId[]], {
    error: () => `scenario must be one of ${SCENARIO_IDS.join(', ')}`,
  }),
});

export function registerScenarioRoutes(app: FastifyInstance, deps: ScenarioRouteDeps): void {
  const runner = new ScenarioRunner(deps.service, deps.runner);
  app.addHook('onClose', async () => runner.stop());
  app.post('/api/scenarios/:id', async (request, reply) => {
    if (!deps.chaos) throw new ChaosDisabledError();
    const { id } = parseInput(scenarioParams, request.params, 'path');
    parseInput(emptyBody, request.body ?? {}, 'body');
    const run = runner.start(id); // ScenarioBusyError: 409 scenario_running
    return reply.code(202).send({ id: run.id, seq: run.seq });
  });
  app.get('/api/page/scenario', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderScenarioPanel(runner.current(), deps.chaos).value),
  );
}
