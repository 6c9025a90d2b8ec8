/**
 * Headless Chromium (Debian's, driven by playwright-core) that can reach 127.0.0.1 and nothing
 * else: outside names do not resolve, every other request is aborted and recorded, and the
 * profile is a fresh folder removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { CHROMIUM } from './outside-binaries.js';

export interface OfflineBrowser {
  readonly context: BrowserContext;
  /** Requests the page tried to make to anything but 127.0.0.1 (all of them were aborted). */
  readonly blocked: string[];
  close(): Promise<void>;
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // No name resolves but the loopback address itself.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export async function launchOffline(viewport = { width: 1600, height: 1000 }): Promise<OfflineBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'upstate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM.path,
    headless: true,
    args: ARGS,
    viewport,
    deviceScaleFactor: 1,
  });
  const blocked: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
    blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
  return {
    context,
    blocked,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
