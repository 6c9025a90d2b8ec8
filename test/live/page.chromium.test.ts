/// <reference lib="dom" />
/**
 * The live page as a person sees it: real headless Chromium (no network but 127.0.0.1) opens it
 * late, finds every chart drawn, watches a flush go debouncing → rateWaiting → sending → idle
 * when a subscription changes, reads the figures, and sees the page come back after the server
 * restarts. `UPDATE_SCREENSHOT=1` also writes the screenshot docs/observability.md shows.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionMachine, flushMachine } from '../../machines/index.js';
import { layoutChart } from '../../src/live/chart.js';
import { type LiveView, serveLiveView } from '../../src/live/index.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { ALICE } from '../sim/fixtures.js';
import { launchOffline, type OfflineBrowser } from '../support/chromium.js';
import { CHROMIUM, requireBinary } from '../support/outside-binaries.js';

const SUITE = 'the live page in headless Chromium (test/live/page.chromium.test.ts)';
const runs = requireBinary(CHROMIUM, SUITE);
const WAIT = { timeout: 10_000 };

let browser: OfflineBrowser | undefined;
let view: LiveView | undefined;
const temporary: string[] = [];

afterEach(async () => {
  await browser?.close();
  await view?.close();
  browser = undefined;
  view = undefined;
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Records every flush state the public flush panel highlights, in order, from now on. */
async function recordHighlights(page: Page): Promise<void> {
  await page.evaluate(() => {
    const panel = document.querySelector('.panel[data-actor="public/flush"]')!;
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver(() => {
      const active = panel.querySelector('.st.active:not(.compound)')?.getAttribute('data-state') ?? '';
      const top = active.split('.')[1] ?? '';
      if (seen[seen.length - 1] !== top) seen.push(top);
    }).observe(panel, { subtree: true, attributes: true, attributeFilter: ['class'] });
  });
}

describe.skipIf(!runs)(SUITE, () => {
  it('draws every chart, follows a flush through its states, shows the figures and reconnects', async () => {
    const exchange = await startTestExchange({ tickMs: 100, credentials: [ALICE] });
    const upbit = orchestratorFor(exchange, { credentials: ALICE, debounceMs: 40 });
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] }, () => {});
    upbit.subscribe({ type: 'trade', codes: ['KRW-BTC'] }, () => {});
    upbit.subscribe({ type: 'myOrder' }, () => {});
    await upbit.settled();

    // Opened late: everything below comes from the catch-up snapshot.
    view = await serveLiveView(upbit, { statsIntervalMs: 250 });
    browser = await launchOffline();
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(view.url);
    await page.waitForSelector('#link.live', WAIT);
    await page.waitForSelector('.panel[data-actor="private/flush"] svg .st', WAIT);

    // Every connection's two charts, each with every state and transition of its definition.
    const [flushChart, connectionChart] = await Promise.all([layoutChart(flushMachine), layoutChart(connectionMachine)]);
    const drawn = await page.$$eval('.panel[data-actor]', (panels) =>
      panels.map((panel) => ({
        actor: panel.getAttribute('data-actor'),
        states: panel.querySelectorAll('svg .st').length,
        transitions: panel.querySelectorAll('svg .tr').length,
        active: panel.getAttribute('data-active'),
      })),
    );
    const flush = { states: flushChart.states.length, transitions: flushChart.transitions.length, active: 'idle' };
    const connection = { states: connectionChart.states.length, transitions: connectionChart.transitions.length, active: 'open' };
    expect(drawn).toEqual([
      { actor: 'public', ...connection },
      { actor: 'public/flush', ...flush },
      { actor: 'private', ...connection },
      { actor: 'private/flush', ...flush },
    ]);
    expect(await page.locator('.panel[data-actor="public"] .st.active[data-state="connection.open"]').count()).toBe(1);

    // A change: the highlighted flush state moves through the lifecycle and comes back to idle.
    await recordHighlights(page);
    const trailBefore = ((await page.getAttribute('.panel[data-actor="public/flush"]', 'data-trail')) ?? '').split(' ');
    upbit.subscribe({ type: 'ticker', codes: ['KRW-XRP'] }, () => {});
    await upbit.settled();
    await page.waitForFunction(
      (n) => (document.querySelector('.panel[data-actor="public/flush"]')?.getAttribute('data-trail') ?? '').split(' ').length >= n + 4,
      trailBefore.length,
      WAIT,
    );
    const trailAfter = ((await page.getAttribute('.panel[data-actor="public/flush"]', 'data-trail')) ?? '').split(' ');
    // The leading edge: an idle flush takes a change straight to the gate, then cools down for a debounce.
    expect(trailAfter.slice(trailBefore.length)).toEqual(['rateWaiting', 'sending', 'cooling', 'idle']);
    expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toEqual(['rateWaiting', 'sending', 'cooling', 'idle']);
    const flushPanel = page.locator('.panel[data-actor="public/flush"]');
    expect(await flushPanel.locator('.st.active[data-state="flush.idle"]').count()).toBe(1);
    // The transition just taken (the cool-down after the send ended) is the highlighted one.
    expect(await flushPanel.locator('.tr.taken').evaluateAll((edges) => edges.map((e) => e.getAttribute('data-event')))).toEqual([
      'xstate.after.debounce.flush.cooling',
    ]);

    // A little churn so the figures and the per-second charts have something to show.
    for (let round = 0; round < 12; round++) {
      const sub = upbit.subscribe({ type: 'orderbook', codes: [`KRW-${round % 2 ? 'SOL' : 'DOGE'}`] }, () => {});
      await new Promise((resolve) => setTimeout(resolve, 120));
      if (round % 3 !== 2) sub.unsubscribe();
    }
    await upbit.settled();
    const sent = upbit.stats().messagesSent;
    await page.waitForFunction((n) => document.querySelector('[data-figure="messages sent"] b')?.textContent === String(n), sent, WAIT);
    const absorbed = upbit.stats().changesAbsorbed;
    expect(await page.textContent('[data-figure="changes absorbed"] b')).toBe(String(absorbed));
    expect(await page.locator('#rate-sent path').count()).toBeGreaterThan(0);

    const shots = mkdtempSync(join(tmpdir(), 'upstate-shot-'));
    temporary.push(shots);
    const screenshot = process.env.UPDATE_SCREENSHOT === '1' ? join('docs', 'img', 'live-view.png') : join(shots, 'live-view.png');
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);

    // The server restarts on the same port: the page reconnects and redraws from the new snapshot.
    const { port } = view;
    const startedBefore = await page.textContent('#started');
    await view.close();
    await page.waitForSelector('#link:not(.live)', WAIT);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    view = await serveLiveView(upbit, { port, statsIntervalMs: 250 });
    await page.waitForSelector('#link.live', WAIT);
    await page.waitForFunction((before) => document.querySelector('#started')?.textContent !== before, startedBefore, WAIT);
    await page.waitForSelector('.panel[data-actor="public/flush"][data-active="idle"]', WAIT);
    expect(await page.locator('.panel[data-actor]').count()).toBe(4);

    expect(pageErrors).toEqual([]);
    expect(browser.blocked).toEqual([]);
  }, 60_000);
});
