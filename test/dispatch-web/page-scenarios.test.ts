// The guided scenarios in a real browser, against the in-memory cluster in both store modes: each
// runs its chaos steps to the end, narrates what the mode should do, and reports its measurements.
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { StoreMode } from '../../src/dispatch/model.ts';
import { launchBrowser, openDispatchPage } from './browser.ts';
import type { BrowserHarness } from './browser.ts';
import { MemoryDispatchService } from './memory-service.ts';

let browser: BrowserHarness;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser.close());

function openPage(t: TestContext, service: MemoryDispatchService, chaos = true): Promise<Page> {
  return openDispatchPage(t, browser, service, { batchMs: 50, chaos });
}

/** Runs one scenario from its button and returns its results, label → value. */
async function run(page: Page, id: string): Promise<{ results: Record<string, string>; lines: string[] }> {
  await page.getByTestId(`scenario-${id}`).click();
  await page
    .locator(`[data-testid="scenarios"][data-scenario="${id}"][data-state="done"]`)
    .waitFor({ timeout: 60_000 });
  const rows = await page
    .getByTestId('scenario-result')
    .evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-label') ?? '', e.querySelector('td')?.textContent ?? '']),
    );
  const lines = await page.getByTestId('scenario-line').allTextContents();
  return { results: Object.fromEntries(rows) as Record<string, string>, lines };
}

async function cluster(mode: StoreMode, nodeName: string): Promise<MemoryDispatchService> {
  const service = new MemoryDispatchService({ seed: 5, storeMode: mode, nodeName });
  for (let i = 0; i < 9; i++) await service.createHero({});
  return service;
}

test('raft: "Kill the leader" measures a new leader and the heroes moved; "Split the cluster" finds every minority write refused', async (t) => {
  const service = await cluster('raft', 'metropolis'); // gotham leads: this page can kill it
  browser.errors.length = 0;
  const page = await openPage(t, service);

  const kill = await run(page, 'kill-leader');
  assert.match(kill.lines[0] ?? '', /wins an election with a majority/, 'raft narration first');
  assert.match(kill.results['time to a new leader'] ?? '', /^\d+ ms$/);
  assert.match(kill.results['heroes moved'] ?? '', /^3 in \d+ ms$/);
  assert.equal(kill.results['duplicates'], '0');
  assert.match(kill.results['gotham back up after'] ?? '', /^\d+ ms$/);

  const split = await run(page, 'split');
  assert.match(split.lines[0] ?? '', /must refuse writes/);
  assert.equal(split.results['writes refused on the minority'], '3 of 3');
  assert.equal(split.results['duplicates'], '0');
  assert.equal(service.heroes.size, 9, 'no probe hero was written');
  assert.deepEqual(browser.errors, []);
});

test('crdt: "Split the cluster" writes on both sides and converges; "Shut down a node with heroes" and "Destroy a city four times" report', async (t) => {
  const service = await cluster('crdt', 'gotham');
  browser.errors.length = 0;
  const page = await openPage(t, service);

  const split = await run(page, 'split');
  assert.match(split.lines[0] ?? '', /both sides keep writing/);
  assert.equal(split.results['writes refused on the minority'], '0 of 3');
  assert.equal(split.results['duplicates'], '0');
  assert.equal(service.heroes.size, 9, 'the probe heroes were terminated');

  const shutdown = await run(page, 'shutdown-node');
  assert.match(shutdown.results['heroes moved'] ?? '', /^3 in \d+ ms$/);
  assert.equal(shutdown.results['duplicates'], '0');

  const destroy = await run(page, 'destroy-four');
  assert.equal((destroy.results['cities destroyed'] ?? '').split(', ').length, 4);
  assert.equal(destroy.results['duplicates'], '0');
  assert.deepEqual(browser.errors, []);
});

test('without chaos routes there is no scenario panel, and starting one is refused', async (t) => {
  const service = await cluster('raft', 'gotham');
  const page = await openPage(t, service, false);
  assert.equal(await page.getByTestId('scenarios').count(), 0);
  const status = await page.evaluate(
    `fetch('/api/scenarios/split', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`,
  );
  assert.equal(status, 403);
});
