// The charts' sampler takes its first sample when it starts, so every change of the cluster after
// that shows as a marker, however late its timer runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChartSampler } from '../../src/dispatch/web/chart-sampler.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import { MemoryDispatchService } from './memory-service.ts';

test('a partition and a heal right after the start are both marked, with no timer sample yet', async (t) => {
  const service = new MemoryDispatchService({ seed: 3 });
  // Samples an hour apart: only the cluster events can make markers here.
  const sampler = new ChartSampler(service, undefined, { intervalMs: 3_600_000 });
  t.after(() => sampler.stop());
  sampler.start();
  await waitFor(() => sampler.view().samples.length === 1, 5_000, 'the first sample, taken at the start');
  await service.nodeAction('capitol', 'partition');
  await service.nodeAction('capitol', 'heal');
  await waitFor(() => sampler.view().markers.length >= 2, 5_000, 'two markers');
  assert.deepEqual(
    sampler.view().markers.map((m) => m.kind),
    ['partition', 'heal'],
  );
  assert.equal(sampler.view().samples.length, 1, 'the timer has not sampled again');
});
