/**
 * `npm run screenshots`: writes PNGs of the dispatch page into docs/images/ (embedded in
 * docs/dispatch.md), so the pictures follow the page. One node's web server over the in-memory
 * dispatch service, a few dozen heroes on three cities, the game stepping, in Debian's chromium:
 *
 * - `page-raft.png`: raft mode;
 * - `page-crdt.png`: crdt mode, after "Shut down a node with heroes" has run and reported;
 * - `page-partition.png`: raft mode with capitol cut off (drawn below the mesh) and chart markers.
 *
 * Seeded (hero names, the game's changes), so two runs draw the same cluster.
 *
 * When not to use: the pictures are for the docs; behaviour is tested in test/dispatch-web/.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreMode } from '../src/dispatch/model.ts';
import { createWebServer } from '../src/dispatch/web/index.ts';
import { seededRandom } from '@superhero-dispatch/runtime/testing';
import { launchBrowser, waitForLive } from '../test/dispatch-web/browser.ts';
import { MemoryDispatchService } from '../test/dispatch-web/memory-service.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'images');
const SEED = 23;

async function shoot(
  mode: StoreMode,
  name: string,
  act: (service: MemoryDispatchService) => Promise<void>,
  scenario?: string,
): Promise<void> {
  const random = seededRandom(SEED);
  const service = new MemoryDispatchService({ seed: SEED, storeMode: mode, nodeName: 'metropolis' });
  for (let i = 0; i < 36; i++) await service.createHero({});
  const game = setInterval(() => {
    const ids = [...service.heroes.keys()];
    for (let i = 0; i < 4; i++) {
      const id = ids[Math.floor(random() * ids.length)];
      const hero = id === undefined ? undefined : service.heroes.get(id);
      if (hero === undefined) continue;
      const won = random() < 0.5;
      service.tick(hero.id, {
        isPatrolling: random() < 0.6,
        health: Math.max(5, Math.min(100, hero.health + (won ? 4 : -9))),
        fightsWon: hero.fightsWon + (won ? 1 : 0),
        fightsLost: hero.fightsLost + (won ? 0 : 1),
      });
    }
  }, 200);
  const app = createWebServer(service, { batchMs: 100 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no server address');
  const browser = await launchBrowser({ viewport: { width: 1400, height: 1000 }, timeoutMs: 60_000 });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${address.port}/`);
    await waitForLive(page);
    await page.waitForTimeout(3000); // charts: a few points
    await act(service);
    if (scenario !== undefined) {
      await page.getByTestId(`scenario-${scenario}`).click();
      await page.locator('[data-testid="scenarios"][data-state="done"]').waitFor({ timeout: 60_000 });
    }
    await page.waitForTimeout(2500); // the next chart poll draws the markers
    const path = join(OUT, `${name}.png`);
    await page.screenshot({ path, fullPage: false });
    console.log(`wrote ${path}`);
  } finally {
    clearInterval(game);
    await browser.close();
    await app.close();
  }
}

await mkdir(OUT, { recursive: true });
await shoot('raft', 'page-raft', async () => {});
await shoot('crdt', 'page-crdt', async () => {}, 'shutdown-node');
await shoot('raft', 'page-partition', async (service) => {
  await service.nodeAction('capitol', 'partition');
});
