// The cluster map in a real browser: every node is a card with its hero count; an assigned hero's
// mark moves to its new city's card; a partitioned node is drawn cut off and healing reconnects it;
// the live charts receive points and markers.
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { heroRow, launchBrowser, openDispatchPage } from './browser.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import type { BrowserHarness } from './browser.ts';
import { MemoryDispatchService } from './memory-service.ts';

let browser: BrowserHarness;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser.close());

function openPage(t: TestContext, service: MemoryDispatchService): Promise<Page> {
  return openDispatchPage(t, browser, service, { batchMs: 50 });
}

/** node → hero count as the map shows it. */
async function mapCounts(page: Page): Promise<Record<string, number>> {
  const cards = await page
    .getByTestId('map-node')
    .evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-node') ?? '', Number(e.getAttribute('data-heroes'))]),
    );
  return Object.fromEntries(cards) as Record<string, number>;
}

test('the map shows every node with its hero count; an assigned hero moves to its city; partition cuts a node off and heal reconnects it', async (t) => {
  const service = new MemoryDispatchService({ seed: 11 });
  const heroes = [];
  for (let i = 0; i < 6; i++) heroes.push(await service.createHero({}));
  browser.errors.length = 0;
  const page = await openPage(t, service);
  await page.locator('[data-testid="map-mark"]').nth(5).waitFor();

  const want = (): Record<string, number> => {
    const counts: Record<string, number> = { gotham: 0, metropolis: 0, capitol: 0 };
    for (const h of service.heroes.values()) counts[h.node] = (counts[h.node] ?? 0) + 1;
    return counts;
  };
  assert.deepEqual(await mapCounts(page), want());
  assert.equal(await page.getByTestId('map-mark').count(), 6);

  // Assign a hero to capitol: its mark lands on capitol's card.
  const hero = heroes[0];
  assert.ok(hero !== undefined);
  await heroRow(page, hero.id).getByTestId('assign').selectOption('capitol');
  await page
    .locator(
      `[data-testid="map-node"][data-node="capitol"] [data-testid="map-mark"][data-hero-id="${hero.id}"]`,
    )
    .waitFor();
  assert.deepEqual(await mapCounts(page), want());
  assert.equal(await page.locator(`[data-testid="map-mark"][data-hero-id="${hero.id}"]`).count(), 1);

  // Partition capitol: its card is drawn cut off; heal reconnects it.
  await page.locator('tr[data-node="capitol"]').getByTestId('node-partition').click();
  const capitol = page.locator('[data-testid="map-node"][data-node="capitol"]');
  await page.locator('[data-testid="map-node"][data-node="capitol"][data-status="partitioned"]').waitFor();
  assert.equal(await capitol.getByText('cut off').count(), 1);
  await page.locator('tr[data-node="capitol"]').getByTestId('node-heal').click();
  await page.locator('[data-testid="map-node"][data-node="capitol"][data-status="up"]').waitFor();
  assert.equal(await capitol.getByText('cut off').count(), 0);

  // The charts receive points, and markers for the partition and the heal.
  await waitFor(
    async () => {
      const charts = page.getByTestId('charts');
      const points = Number(await charts.getAttribute('data-points'));
      const markers = Number(await charts.getAttribute('data-markers'));
      return points >= 2 && markers >= 2;
    },
    30_000,
    'the charts have two points and two markers',
    200,
  );
  assert.equal(await page.locator('[data-testid="chart-heroes"] canvas').count(), 1);

  // A hero that falls fades from the map.
  const fallen = heroes[1];
  assert.ok(fallen !== undefined);
  service.kill(fallen.id);
  await page.locator(`[data-testid="map-mark"][data-hero-id="${fallen.id}"][data-state="dying"]`).waitFor();
  assert.deepEqual(await mapCounts(page), want());
  assert.deepEqual(browser.errors, []);
});
