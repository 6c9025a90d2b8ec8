/**
 * The optional peers (the @nats-io packages, elkjs, prom-client, @statelyai/inspect) as a user
 * without them meets them: the feature that needs one throws `PeerMissingError` naming the
 * feature and the `npm install` to run, before it has started anything. A missing package is
 * played by the peer's import function failing as Node's does.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { PeerMissingError, UpstateError } from '../../src/errors.js';
import { startGateway } from '../../src/fleet/index.js';
import { FLEET_PEER } from '../../src/fleet/nats.js';
import { CHART_PEER } from '../../src/live/chart.js';
import { registerMetrics, serveLiveView } from '../../src/live/index.js';
import { METRICS_PEER } from '../../src/live/metrics.js';
import { importPeer, type OptionalPeer } from '../../src/optional.js';
import { createOrchestrator } from '../../src/orchestrator.js';
import { captureIo } from '../cli/io.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';

/** What Node throws for an import of a package that is not installed. */
function notInstalled(specifier: string, code = 'ERR_MODULE_NOT_FOUND'): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/node_modules/upstate/dist/index.js`), { code });
}

/** Sockets and servers open in this process now. */
function openHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap' || name === 'TCPSocketWrap').length;
}

/** Sockets a closed peer ended go away a few event-loop turns later: wait (bounded) for the count to come back. */
async function backTo(count: number): Promise<void> {
  await vi.waitFor(() => expect(openHandles()).toBe(count), { timeout: 2_000, interval: 20 });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('importPeer', () => {
  const peer = (load: () => Promise<unknown>): OptionalPeer<unknown> => ({
    feature: 'Fleet mode',
    packages: ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/kv'],
    load,
  });

  it('turns a package that is not installed into ERR_PEER_MISSING with the install command', async () => {
    for (const code of ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']) {
      const cause = notInstalled('@nats-io/kv', code);
      const error = await importPeer(peer(() => Promise.reject(cause))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PeerMissingError);
      expect(error).toBeInstanceOf(UpstateError);
      expect(error).toMatchObject({ code: 'ERR_PEER_MISSING', feature: 'Fleet mode', packages: ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/kv'], cause });
      expect((error as Error).message).toBe(
        'Fleet mode needs the optional packages @nats-io/transport-node, @nats-io/jetstream and @nats-io/kv; @nats-io/kv is not installed: ' +
          'npm install @nats-io/transport-node @nats-io/jetstream @nats-io/kv',
      );
    }
  });

  it('knows a subpath of the package (CommonJS names the module it asked for)', async () => {
    const cause = Object.assign(new Error("Cannot find module '@nats-io/kv/lib/mod.js'\nRequire stack:\n- /app/index.js"), { code: 'MODULE_NOT_FOUND' });
    await expect(importPeer(peer(() => Promise.reject(cause)))).rejects.toMatchObject({ code: 'ERR_PEER_MISSING' });
  });

  it('leaves any other failure as it was: a dependency of the package missing, a package that throws', async () => {
    const theirs = Object.assign(new Error("Cannot find module 'tdigest'\nRequire stack:\n- /app/node_modules/@nats-io/kv/lib/x.js"), { code: 'MODULE_NOT_FOUND' });
    await expect(importPeer(peer(() => Promise.reject(theirs)))).rejects.toBe(theirs);
    const broken = new Error('@nats-io/kv exploded');
    await expect(importPeer(peer(() => Promise.reject(broken)))).rejects.toBe(broken);
  });

  it('hands over the module when it is there', async () => {
    const module = { connect: () => 1 };
    await expect(importPeer(peer(() => Promise.resolve(module)))).resolves.toBe(module);
  });
});

describe('the live view and metrics without elkjs or prom-client', () => {
  it('serveLiveView throws ERR_PEER_MISSING naming both packages, and listens on nothing', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    vi.spyOn(CHART_PEER, 'load').mockRejectedValue(notInstalled('elkjs'));
    const before = openHandles();
    const error = await serveLiveView(upbit, { port: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeerMissingError);
    expect((error as Error).message).toBe(
      'The live view (serveLiveView, upstate demo --ui, upstate watch --ui) needs the optional packages elkjs and prom-client; elkjs is not installed: npm install elkjs prom-client',
    );
    expect(openHandles()).toBe(before);
  });

  it('registerMetrics throws ERR_PEER_MISSING and registers nothing', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    vi.spyOn(METRICS_PEER, 'load').mockRejectedValue(notInstalled('prom-client'));
    await expect(registerMetrics(upbit)).rejects.toThrow(
      'Prometheus metrics (registerMetrics) needs the optional package prom-client, which is not installed: npm install prom-client',
    );
  });
});

describe('fleet mode without the NATS packages', () => {
  const INSTALL = 'npm install @nats-io/transport-node @nats-io/jetstream @nats-io/kv';

  it('startGateway throws ERR_PEER_MISSING before it connects to anything', async () => {
    vi.spyOn(FLEET_PEER, 'load').mockRejectedValue(notInstalled('@nats-io/transport-node'));
    const before = openHandles();
    const error = await startGateway({ nats: 'nats://127.0.0.1:4222' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_PEER_MISSING' });
    expect((error as Error).message).toContain(INSTALL);
    expect(openHandles()).toBe(before);
  });

  it('a fleet client reports ERR_PEER_MISSING, refuses its demand and leaves no timer running', async () => {
    vi.useFakeTimers();
    try {
      vi.spyOn(FLEET_PEER, 'load').mockRejectedValue(notInstalled('@nats-io/transport-node'));
      const client = createOrchestrator({ gateway: 'nats://127.0.0.1:4222' });
      const reported = new Promise<UpstateError>((resolve) => client.on('error', resolve));
      const error = await reported;
      expect(error).toBeInstanceOf(PeerMissingError);
      expect(error.message).toMatch(/^Fleet mode \(upstate gateway, upstate\/gateway, createOrchestrator\(\{ gateway \}\)\) needs/);
      client.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
      await vi.advanceTimersByTimeAsync(100);
      await expect(client.settled()).rejects.toBe(error);
      // No renewal timer: nothing would ever be renewed.
      await client.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('upstate gateway prints the message and exits 1, without a stack trace', async () => {
    vi.spyOn(FLEET_PEER, 'load').mockRejectedValue(notInstalled('@nats-io/kv'));
    const before = openHandles();
    const io = captureIo();
    expect(await main(['gateway', '--nats', 'nats://127.0.0.1:4222'], io)).toBe(1);
    expect(io.err()).toBe(
      'upstate gateway: Fleet mode (upstate gateway, upstate/gateway, createOrchestrator({ gateway })) needs the optional packages ' +
        `@nats-io/transport-node, @nats-io/jetstream and @nats-io/kv; @nats-io/kv is not installed: ${INSTALL}\n`,
    );
    expect(openHandles()).toBe(before);
  });
});

describe('--ui without elkjs or prom-client', () => {
  it('upstate watch --ui prints the message and exits 1, and closes what it started', async () => {
    vi.spyOn(METRICS_PEER, 'load').mockRejectedValue(notInstalled('prom-client'));
    const before = openHandles();
    const io = captureIo();
    expect(await main(['watch', 'ticker', 'KRW-BTC', '--ui', '--count', '1'], io)).toBe(1);
    expect(io.err()).toMatch(/^upstate watch: The live view \(serveLiveView, upstate demo --ui, upstate watch --ui\) needs .*; prom-client is not installed: npm install elkjs prom-client\n$/);
    expect(io.err()).not.toMatch(/\n\s+at /);
    await backTo(before);
  });
});
