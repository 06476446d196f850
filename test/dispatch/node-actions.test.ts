// The chaos controls come from one table: the page's buttons, the API's routes and the launcher's
// control channel all follow it, and the control channel refuses anything outside it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { isControlCommand, isControlRequest } from '../../src/cli/control.ts';
import { NODE_ACTION_NAMES, isNodeAction, selfApplied } from '../../src/dispatch/node-actions.ts';
import { renderClusterPanel } from '../../src/dispatch/web/page-parts.ts';
import { registerApiRoutes } from '../../src/dispatch/web/api-routes.ts';
import type { DispatchService } from '../../src/dispatch/service.ts';

test('every control has a button per node and a route, and nothing else has either', async () => {
  const panel = String(
    renderClusterPanel({
      self: 'gotham',
      nodes: [{ name: 'gotham', status: 'up', role: 'city', storeRole: 'leader', heroesHosted: 0 }],
    } as never),
  );
  const buttons = [...panel.matchAll(/data-testid="node-([a-z-]+)" data-post/g)].map((m) => m[1]);
  assert.deepEqual(buttons, [...NODE_ACTION_NAMES]);

  const app = Fastify();
  registerApiRoutes(app, {} as DispatchService, { chaos: true });
  await app.ready();
  const routes = app.printRoutes({ commonPrefix: false });
  for (const action of NODE_ACTION_NAMES) assert.match(routes, new RegExp(`/api/nodes/:node/${action}`));
  assert.doesNotMatch(routes, /destroy-city \(POST\)|nodes\/:node\/destroy/);
  await app.close();
});

test('the control channel carries only the controls a node applies to itself', () => {
  for (const action of NODE_ACTION_NAMES) {
    assert.equal(isControlCommand({ type: action }), selfApplied(action), action);
    assert.equal(isControlRequest({ type: 'node-action', node: 'gotham', action }), true, action);
  }
  assert.equal(selfApplied('restart'), false, 'a process cannot start itself again');
  for (const bad of ['destroy-city', 'reboot', '', undefined, 42, 'toString', '__proto__']) {
    assert.equal(isNodeAction(bad), false, String(bad));
    assert.equal(isControlCommand({ type: bad }), false, String(bad));
    assert.equal(isControlRequest({ type: 'node-action', node: 'gotham', action: bad }), false, String(bad));
  }
  assert.equal(isControlRequest({ type: 'node-action', action: 'heal' }), false, 'no target node');
  assert.equal(isControlCommand(null), false);
});
