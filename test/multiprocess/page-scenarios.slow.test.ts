// Guided scenarios end to end: "Split the cluster" started from a real node's page, in a real
// 3-node cluster of each store mode. Raft: the cut-off node refuses all three writes; crdt: it
// accepts them; both converge after the heal with no hero hosted twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, waitForLive } from '../dispatch-web/browser.ts';
import { api, startDispatchCluster } from './dispatch-cluster.ts';

for (const mode of ['raft', 'crdt'] as const) {
  test(
    `${mode}: "Split the cluster" runs from the page to its report in a real cluster`,
    { timeout: 240_000 },
    async (t) => {
      const cluster = await startDispatchCluster(['gotham', 'metropolis', 'capitol'], mode);
      t.after(() => cluster.stop());
      const capitol = cluster.byName('capitol');
      for (let i = 0; i < 6; i++) {
        const created = await api(capitol, 'POST', '/api/heroes', {});
        assert.equal(created.status, 201, JSON.stringify(created.json));
      }
      const browser = await launchBrowser({ timeoutMs: 30_000 });
      t.after(() => browser.close());
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${capitol.webPort}/`);
      await waitForLive(page, 30_000);

      await page.getByTestId('scenario-split').click();
      await page
        .locator(
          '[data-testid="scenarios"][data-scenario="split"]:is([data-state="done"], [data-state="failed"])',
        )
        .waitFor({ timeout: 200_000 });
      const lines = await page.getByTestId('scenario-line').allTextContents();
      const results = Object.fromEntries(
        await page
          .getByTestId('scenario-result')
          .evaluateAll((els) =>
            els.map((e) => [e.getAttribute('data-label') ?? '', e.querySelector('td')?.textContent ?? '']),
          ),
      ) as Record<string, string>;
      console.log(`${mode} split:\n${lines.join('\n')}\n${JSON.stringify(results)}`);
      assert.equal(await page.getByTestId('scenarios').getAttribute('data-state'), 'done', lines.join('\n'));
      assert.equal(results['writes refused on the minority'], mode === 'raft' ? '3 of 3' : '0 of 3');
      assert.match(results['converged after'] ?? '', /^\d+ ms$/);
      assert.equal(results['duplicates'], '0');
    },
  );
}
