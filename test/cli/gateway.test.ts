import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseGatewayArgs, run } from '../../src/cli/gateway.js';
import { GATEWAY_USAGE } from '../../src/cli/usage.js';
import { UsageError } from '../../src/cli/args.js';
import { createFleetClient } from '../../src/fleet/index.js';
import type { UpbitMessage } from '../../src/protocol/upbit/types.js';
import { gatewayOutput, killWith, startGatewayProcess } from '../fleet/processes.js';
import { natsServerForSuite } from '../support/nats-server.js';
import { NATS_SERVER, requireBinary } from '../support/outside-binaries.js';
import { captureIo } from './io.js';

describe('upstate gateway arguments', () => {
  it('needs --nats', async () => {
    expect(() => parseGatewayArgs([])).toThrow(UsageError);
    const io = captureIo();
    expect(await run([], io)).toBe(2);
    expect(io.err()).toMatch(/--nats <url> is required/);
  });

  it('takes ws:// URLs for the endpoints, and several NATS servers', () => {
    expect(() => parseGatewayArgs(['--nats', 'nats://127.0.0.1:4222', '--endpoint', 'http://x'])).toThrow(/--endpoint expects a ws:\/\/ or wss:\/\/ URL/);
    expect(parseGatewayArgs(['--nats', 'nats://a:4222', '--nats', 'nats://b:4222', '--private-endpoint', 'wss://p/x'])).toMatchObject({
      nats: ['nats://a:4222', 'nats://b:4222'],
      endpoint: undefined,
      privateEndpoint: 'wss://p/x',
    });
  });

  it('takes the lease flags as whole milliseconds, and refuses anything else', () => {
    expect(parseGatewayArgs(['--nats', 'nats://a:4222', '--active-lease-ms', '2000', '--standby-poll-ms', '250'])).toMatchObject({ activeLeaseMs: 2000, standbyPollMs: 250 });
    expect(parseGatewayArgs(['--nats', 'nats://a:4222'])).toMatchObject({ activeLeaseMs: undefined, standbyPollMs: undefined });
    expect(() => parseGatewayArgs(['--nats', 'nats://a:4222', '--active-lease-ms', '2s'])).toThrow(/--active-lease-ms expects a whole number of milliseconds ≥ 300, got '2s'/);
    expect(() => parseGatewayArgs(['--nats', 'nats://a:4222', '--active-lease-ms', '100'])).toThrow(UsageError);
    expect(() => parseGatewayArgs(['--nats', 'nats://a:4222', '--standby-poll-ms', '0'])).toThrow(/--standby-poll-ms/);
  });

  it('prints its usage with --help', async () => {
    const io = captureIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.out()).toBe(GATEWAY_USAGE);
  });

  it('takes --http PORT (0: any free port) and --host, only with --http', () => {
    expect(parseGatewayArgs(['--nats', 'nats://a:4222'])).toMatchObject({ http: undefined });
    expect(parseGatewayArgs(['--nats', 'nats://a:4222', '--http', '0'])).toMatchObject({ http: { port: 0, flag: '--http' } });
    expect(parseGatewayArgs(['--nats', 'nats://a:4222', '--http', '9464', '--host', '0.0.0.0'])).toMatchObject({ http: { port: 9464, host: '0.0.0.0' } });
    expect(() => parseGatewayArgs(['--nats', 'nats://a:4222', '--http', 'x'])).toThrow(/--http expects a whole number from 0 to 65535, got 'x'/);
    expect(() => parseGatewayArgs(['--nats', 'nats://a:4222', '--http', '70000'])).toThrow(UsageError);
    expect(() => parseGatewayArgs(['--nats', 'nats://a:4222', '--host', '0.0.0.0'])).toThrow(/--host is the address of --http/);
  });

  it('refuses one Upbit key without the other', async () => {
    const io = captureIo({ env: { UPBIT_ACCESS_KEY: 'a' } });
    expect(await run(['--nats', 'nats://127.0.0.1:4222'], io)).toBe(2);
    expect(io.err()).toMatch(/UPBIT_SECRET_KEY/);
  });
});

const available = requireBinary(NATS_SERVER, 'test/cli/gateway.test.ts');

describe.runIf(available)('upstate gateway --nats (real nats-server)', () => {
  const nats = natsServerForSuite();

  it('works offline: with neither endpoint it starts the embedded exchange and serves clients', async () => {
    const controller = new AbortController();
    let ready: () => void = () => {};
    const serving = new Promise<void>((resolve) => (ready = resolve));
    const io = captureIo({ signal: controller.signal, onOut: (text) => text.includes('serving the fleet') && ready() });
    const exit = run(['--nats', nats.url], io);
    await serving;
    expect(io.out()).toMatch(/upstream: ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1 \(embedded exchange\)/);
    expect(io.out()).toMatch(/private streams off/);
    const client = createFleetClient({ gateway: nats.url });
    try {
      const received: UpbitMessage[] = [];
      client.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (m) => received.push(m));
      await client.settled();
      const start = Date.now();
      while (received.length === 0 && Date.now() - start < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received[0]).toMatchObject({ type: 'ticker', code: 'KRW-BTC' });
      expect(io.out()).toMatch(/demand {3}\w{8} public/);
    } finally {
      await client.close();
    }
    controller.abort();
    expect(await exit).toBe(0);
    expect(io.out()).toMatch(/upstate gateway: closed\n$/);
  });

  it('a second gateway on a NATS server without JetStream says so and exits 1; the first keeps serving', async () => {
    const controller = new AbortController();
    let ready: () => void = () => {};
    const serving = new Promise<void>((resolve) => (ready = resolve));
    const first = captureIo({ signal: controller.signal, onOut: (text) => text.includes('serving the fleet') && ready() });
    const exit = run(['--nats', nats.url, '--prefix', 'second'], first);
    await serving;
    expect(first.out()).toMatch(/role {5}active \(epoch 0, no JetStream: no standby possible\)/);
    const second = captureIo();
    expect(await run(['--nats', nats.url, '--prefix', 'second'], second)).toBe(1);
    expect(second.err()).toMatch(/^upstate gateway: Another gateway already serves the prefix 'second' and this NATS server has no JetStream/);
    expect(second.out()).toBe('');
    controller.abort();
    expect(await exit).toBe(0);
  });

  it('--http on a port already in use: says so, exits 2 and leaves nothing running', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const io = captureIo();
      expect(await run(['--nats', nats.url, '--prefix', 'taken', '--http', String(port)], io)).toBe(2);
      expect(io.err()).toMatch(new RegExp(`^upstate gateway: --http port ${port} is already in use`));
      // The gateway it had started is closed: another one may take the prefix at once.
      const again = captureIo();
      expect(await run(['--nats', nats.url, '--prefix', 'taken', '--http', String(port)], again)).toBe(2);
      expect(again.err()).not.toMatch(/Another gateway/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('--http 0 serves /healthz and /metrics of the gateway on 127.0.0.1; SIGTERM closes it with exit code 143', async () => {
    const child = await startGatewayProcess(['--nats', nats.url, '--prefix', 'http', '--http', '0'], { UPBIT_ACCESS_KEY: '', UPBIT_SECRET_KEY: '' });
    try {
      const url = /Live view: open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(gatewayOutput(child))?.[1];
      expect(url, gatewayOutput(child)).toBeDefined();
      const health = await fetch(`${url}healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', gateway: { role: 'active', epoch: 0, election: 'alone', nats: 'connected' } });
      const metrics = await (await fetch(`${url}metrics`)).text();
      expect(metrics).toMatch(/^upstate_gateway_role\{role="active"\} 1$/m);
      expect(metrics).toMatch(/^upstate_gateway_epoch 0$/m);
      // 'close': exited and its stdout read to the end.
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(gatewayOutput(child)).toMatch(/upstate gateway: closed\n$/);
      await expect(fetch(`${url}healthz`)).rejects.toThrow();
    } finally {
      await killWith(child, 'SIGKILL');
    }
  }, 90_000);
});
