/**
 * bench/page: the dispatch page in Debian's chromium at 10,000 heroes with the game running.
 * One node's web server over the in-memory dispatch service (the page's cost alone: no cluster
 * shares the cores) holds 10,000 heroes on three cities; a game loop changes each hero once per
 * 4-second hero loop (2,500 updates/s: health, patrolling, fights), and a few die and are replaced
 * each second. Measured:
 *
 * - page load: from `goto` until the first window of rows and the pager show 10,000 heroes;
 * - frame gaps p50 / p95 / max (time between animation frames) over the measurement window, and
 *   the largest DOM (elements) seen at any frame;
 * - assign: from the Assign select's change to the hero's row showing the new city, and to its
 *   mark on the new city's map card (medians of `ASSIGNS` assigns).
 *
 * ```sh
 * npm run bench -- page --quick   # 10 s of frames, 3 assigns
 * npm run bench -- page           # 30 s of frames, 7 assigns
 * ```
 *
 * When not to use: for the cluster's own throughput, `npm run bench -- dispatch`.
 */
import type { Page } from 'playwright-core';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import { seededRandom } from '@superhero-dispatch/runtime/testing';
import { launchBrowser } from '../../test/dispatch-web/browser.ts';
import { MemoryDispatchService } from '../../test/dispatch-web/memory-service.ts';
import type { BenchResult, Suite } from '../lib/types.ts';

const HEROES = 10_000;
const CITIES = ['gotham', 'metropolis', 'capitol'] as const;
/** Each hero acts once per loop, as in the game. */
const HERO_LOOP_MS = 4000;
const GAME_STEP_MS = 100;
const DEATHS_PER_SECOND = 5;
const SEED = 0x9a9e;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

/** Moves one hero shown in the table to another city; ms to its row, and to its map mark. */
async function assignOnce(
  page: Page,
  service: MemoryDispatchService,
  row: number,
): Promise<{ rowMs: number; mapMs: number }> {
  const tr = page.getByTestId('hero-row').nth(row);
  const id = (await tr.getAttribute('data-hero-id')) ?? '';
  const hero = service.heroes.get(id);
  // A city the hero is neither assigned to nor running on: its mark must move to a new card.
  const to = CITIES.find((c) => c !== hero?.location && c !== hero?.node) ?? 'gotham';
  await page.evaluate(`(() => {
    const id = ${JSON.stringify(id)}, to = ${JSON.stringify(to)};
    window.assignT = { start: 0, row: 0, map: 0 };
    document.addEventListener('change', () => { window.assignT.start = performance.now(); }, { capture: true, once: true });
    const seen = () => {
      const t = window.assignT;
      if (!t.start) return;
      if (!t.row && document.querySelector('tr[data-hero-id="' + id + '"][data-location="' + to + '"]')) t.row = performance.now();
      if (!t.map && document.querySelector('[data-testid="map-node"][data-node="' + to + '"] [data-hero-id="' + id + '"]')) t.map = performance.now();
      if (t.row && t.map) window.assignObserver.disconnect();
    };
    window.assignObserver = new MutationObserver(seen);
    window.assignObserver.observe(document.body, { childList: true, subtree: true });
  })()`);
  await tr.getByTestId('assign').selectOption(to);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const t = (await page.evaluate('window.assignT')) as { start: number; row: number; map: number };
    if (t.row > 0 && t.map > 0) return { rowMs: t.row - t.start, mapMs: t.map - t.start };
    if (Date.now() > deadline) {
      const flashes = await page.getByTestId('flash').allTextContents();
      const shown = await page.locator(`tr[data-hero-id="${id}"]`).getAttribute('data-location');
      throw new Error(
        `assign of ${id} to ${to} did not show within 30 s (${JSON.stringify(t)}; row shows ${shown}; flashes: ${flashes.join(' | ')})`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const suite: Suite = async ({ quick, log }) => {
  const measureMs = quick ? 10_000 : 30_000;
  const assigns = quick ? 3 : 7;
  const random = seededRandom(SEED);
  const service = new MemoryDispatchService({ seed: SEED, nodes: [...CITIES] });
  for (let i = 0; i < HEROES; i++) await service.createHero({});
  const app = createWebServer(service, { batchMs: 100 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no server address');
  const browser = await launchBrowser({ timeoutMs: 60_000 });
  let game: NodeJS.Timeout | undefined;
  try {
    const page = await browser.newPage();
    const loadStart = Date.now();
    await page.goto(`http://127.0.0.1:${address.port}/`);
    await page.locator(`[data-testid="pager"][data-matching="${HEROES}"]`).waitFor({ timeout: 60_000 });
    const loadMs = Date.now() - loadStart;
    log(`page load ${loadMs} ms (seed ${SEED})`);

    let step = 0;
    game = setInterval(() => {
      const ids = [...service.heroes.keys()];
      const per = Math.ceil((ids.length * GAME_STEP_MS) / HERO_LOOP_MS);
      for (let i = 0; i < per; i++) {
        const id = ids[(step * per + i) % ids.length];
        const hero = id === undefined ? undefined : service.heroes.get(id);
        if (hero === undefined) continue;
        const won = random() < 0.3;
        service.tick(hero.id, {
          isPatrolling: random() < 0.6,
          health: Math.max(1, Math.min(100, hero.health + (won ? 5 : -3))),
          fightsWon: hero.fightsWon + (won ? 1 : 0),
          fightsLost: hero.fightsLost + (won ? 0 : 1),
        });
      }
      if (random() < (DEATHS_PER_SECOND * GAME_STEP_MS) / 1000) {
        const victim = ids[Math.floor(random() * ids.length)];
        if (victim !== undefined) service.kill(victim);
        void service.createHero({});
      }
      step++;
    }, GAME_STEP_MS);

    await page.evaluate(`(() => {
      window.gaps = []; window.maxElements = 0; window.sampling = true;
      let last = performance.now();
      const frame = (now) => {
        window.gaps.push(now - last); last = now;
        window.maxElements = Math.max(window.maxElements, document.getElementsByTagName('*').length);
        if (window.sampling) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    })()`);
    await new Promise((r) => setTimeout(r, measureMs));
    const { gaps, maxElements } = (await page.evaluate(
      '(window.sampling = false, { gaps: window.gaps, maxElements: window.maxElements })',
    )) as { gaps: number[]; maxElements: number };
    const sorted = [...gaps].sort((a, b) => a - b);
    log(`${gaps.length} frames in ${measureMs} ms; DOM at most ${maxElements} elements`);

    const rowTimes: number[] = [];
    const mapTimes: number[] = [];
    for (let i = 0; i < assigns; i++) {
      const { rowMs, mapMs } = await assignOnce(page, service, i);
      rowTimes.push(rowMs);
      mapTimes.push(mapMs);
      log(`assign ${i + 1}: row ${rowMs.toFixed(0)} ms, map ${mapMs.toFixed(0)} ms`);
    }
    rowTimes.sort((a, b) => a - b);
    mapTimes.sort((a, b) => a - b);
    const results: BenchResult[] = [
      { name: 'page load, 10,000 heroes', value: loadMs, unit: 'ms' },
      { name: 'frame gap p50 (game running)', value: quantile(sorted, 0.5), unit: 'ms' },
      { name: 'frame gap p95', value: quantile(sorted, 0.95), unit: 'ms' },
      { name: 'frame gap max', value: sorted.at(-1) ?? Number.NaN, unit: 'ms' },
      { name: 'frames/s', value: (gaps.length * 1000) / measureMs, unit: '/s', higherIsBetter: true },
      { name: 'DOM elements (max)', value: maxElements, unit: 'elements' },
      { name: 'assign → row shows it (median)', value: quantile(rowTimes, 0.5), unit: 'ms' },
      { name: 'assign → map mark on new city (median)', value: quantile(mapTimes, 0.5), unit: 'ms' },
    ];
    return results;
  } finally {
    clearInterval(game);
    await browser.close();
    await app.close();
  }
};

export default suite;
