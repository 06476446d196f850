/**
 * Browser test harness: a headless Chromium (the system package, not a downloaded build) driven by
 * playwright-core, with a fresh profile that is deleted on close.
 *
 * ```ts
 * const browser = await launchBrowser();
 * t.after(() => browser.close());
 * const page = await browser.newPage();
 * await page.goto(url);
 * await waitForLive(page);
 * await front(page); // before acting on a page that is not the newest
 * await page.getByTestId('create-hero').click();
 * assert.deepEqual(browser.errors, []); // console errors, page errors, CSP violations
 * ```
 *
 * The executable is `CHROMIUM_PATH` or `/usr/bin/chromium`. The flags keep Chromium off the network
 * (no background fetches, updates, sync or QUIC) and make it run as root in a container
 * (`--no-sandbox`); `--disable-gpu` because there is none.
 *
 * Helpers: `waitForLive(page)` (the page's event stream is open), `front(page)` (bring to front
 * before acting: background tabs render no frames), `waitForFlash(page, pattern)` (a
 * flash whose text matches appears; flashes fade after 8 s, so wait for one, never count them later),
 * `heroRow(page, id)` (a row locator), `screenshot(page, name)` (only when `DISPATCH_SCREENSHOT_DIR`
 * names a directory, so test runs write nothing by default).
 *
 * When not to use: API behaviour is faster and more precise to test with `app.inject()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { DispatchService } from '../../src/dispatch/service.ts';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import type { WebServerOptions } from '../../src/dispatch/web/index.ts';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface LaunchOptions {
  /** Default `CHROMIUM_PATH` or `/usr/bin/chromium`. */
  readonly executablePath?: string;
  /** Extra Chromium flags after the standard ones. */
  readonly args?: readonly string[];
  /** Viewport of new pages. Default 1400 × 900 CSS px: the page's two-column layout. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Default timeout of Playwright actions and waits, in ms. Default 10,000. */
  readonly timeoutMs?: number;
}

export interface BrowserHarness {
  readonly context: BrowserContext;
  /** Console errors (CSP violations among them) and uncaught page errors of every page, as `pageN: text`. */
  readonly errors: string[];
  newPage(): Promise<Page>;
  /** Closes every page and the browser, then deletes the profile. Safe to call twice. */
  close(): Promise<void>;
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<BrowserHarness> {
  const executablePath = options.executablePath ?? process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  const profile = await mkdtemp(join(tmpdir(), 'dispatch-browser-'));
  let context: BrowserContext;
  try {
    // A persistent context is how Playwright takes an explicit --user-data-dir.
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_FLAGS, ...(options.args ?? [])],
      viewport: options.viewport ?? { width: 1400, height: 900 },
      timeout: 30_000,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  context.setDefaultTimeout(options.timeoutMs ?? 10_000);
  const errors: string[] = [];
  let pages = 0;
  let closed = false;
  return {
    context,
    errors,
    async newPage() {
      const page = await context.newPage();
      const name = `page${++pages}`;
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${name}: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
      return page;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}

/** Waits until the page's live event stream is open (the connection light is green). */
export async function waitForLive(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: timeoutMs });
}

/**
 * Makes `page` the foreground tab. Headless Chromium renders no frames for background tabs, and
 * Playwright's actionability checks wait for frames: act on a page only after bringing it to front.
 * Background pages still apply live updates to their DOM, so waiting on them needs no focus.
 */
export async function front(page: Page): Promise<Page> {
  await page.bringToFront();
  return page;
}

/** Waits until a flash message whose text matches `pattern` is shown. */
export async function waitForFlash(page: Page, pattern: RegExp, timeout = 30_000): Promise<void> {
  await page.getByTestId('flash').filter({ hasText: pattern }).first().waitFor({ timeout });
}

/** The row of one hero. */
export function heroRow(page: Page, id: string): Locator {
  return page.locator(`tr[data-testid="hero-row"][data-hero-id="${id}"]`);
}

/** Saves a full-page PNG when `DISPATCH_SCREENSHOT_DIR` is set; does nothing otherwise. */
export async function screenshot(page: Page, name: string): Promise<string | undefined> {
  const dir = process.env['DISPATCH_SCREENSHOT_DIR'];
  if (dir === undefined || dir === '') return undefined;
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Serves `service` on a free loopback port (closed when the test ends) and opens the dispatch page
 * in a new tab of `browser`, live and in front.
 */
export async function openDispatchPage(
  t: TestContext,
  browser: BrowserHarness,
  service: DispatchService,
  options: WebServerOptions,
): Promise<Page> {
  const app = createWebServer(service, options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const address = app.server.address();
  assert.ok(typeof address === 'object' && address !== null);
  const page = await browser.newPage();
  t.after(() => page.close());
  await page.goto(`http://127.0.0.1:${address.port}`);
  await waitForLive(page);
  return front(page);
}
