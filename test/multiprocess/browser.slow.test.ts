// The dispatch page in a real browser against a real 3-node cluster (raft mode): two nodes' pages
// open; create in one and the row appears in the other; assign; destroy a city; shut a node down
// and watch its heroes move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { front, heroRow, launchBrowser, waitForFlash, waitForLive } from '../dispatch-web/browser.ts';
import { startDispatchCluster } from './dispatch-cluster.ts';

test(
  'browser: two nodes pages stay live through create, assign, destroy city and a node shutdown',
  { timeout: 240_000 },
  async (t) => {
    const cluster = await startDispatchCluster(['gotham', 'metropolis', 'capitol'], 'raft');
    t.after(() => cluster.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const url = (name: string): string => `http://127.0.0.1:${cluster.byName(name).webPort}/`;
    const a = await browser.newPage();
    await a.goto(url('gotham'));
    await waitForLive(a);
    const b = await browser.newPage();
    await b.goto(url('metropolis'));
    await waitForLive(b);
    assert.equal(await a.getByTestId('title').textContent(), 'Gotham Dispatcher');

    // create in gotham's page: the row appears in metropolis's page
    await front(a);
    await a.getByTestId('create-hero').click();
    const row = b.getByTestId('hero-row').first();
    await row.waitFor({ timeout: 20_000 });
    const id = (await row.getAttribute('data-hero-id')) as string;
    assert.ok(id);

    // assign to metropolis from metropolis's page; gotham's page shows it running there
    await front(b);
    // Under load the hero may still be starting (the API answers 503 "try again"): retry the select.
    const moved = a.locator(`tr[data-hero-id="${id}"][data-location="metropolis"]`);
    for (let attempt = 1; ; attempt++) {
      await front(b);
      await heroRow(b, id).getByTestId('assign').selectOption('metropolis');
      try {
        await moved.waitFor({ timeout: 15_000 });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        await heroRow(b, id).getByTestId('assign').selectOption('home');
        await a.locator(`tr[data-hero-id="${id}"][data-location="home"]`).waitFor({ timeout: 15_000 });
      }
    }
    await front(a);
    const nodeCell = a.locator(`tr[data-hero-id="${id}"] [data-testid="hero-node"]`);
    await nodeCell.filter({ hasText: /^metropolis$/ }).waitFor({ timeout: 30_000 });

    // destroy a city: the seeds' flash
    await a.getByTestId('destroy-city').click();
    await waitForFlash(a, /has been destroyed/, 10_000);

    // shut metropolis down from its own page: its hero moves to a live node, seen in gotham's page
    await front(b);
    await b.locator('tr[data-node="metropolis"]').getByTestId('node-shutdown').click();
    // The answer's flash, waited for rather than counted later: flashes fade after 8 s.
    await waitForFlash(b, /Shutdown of metropolis requested/, 10_000);
    await front(a);
    await nodeCell.filter({ hasText: /^(gotham|capitol)$/ }).waitFor({ timeout: 30_000 });
    await a.locator('tr[data-node="metropolis"][data-status="down"]').waitFor({ timeout: 20_000 });
  },
);
