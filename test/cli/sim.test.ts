import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { parseSimArgs, run, SIM_USAGE } from '../../src/cli/sim.js';
import { bearer, connect, jsonOf } from '../sim/client.js';
import { captureIo, type CapturedIo } from './io.js';

const KEYS = { accessKey: 'sim-access', secretKey: 'sim-secret-value' } as const;
const KEY_ENV = { UPBIT_ACCESS_KEY: KEYS.accessKey, UPBIT_SECRET_KEY: KEYS.secretKey };

/** Every run a test starts is stopped after it, whatever happened. */
const controllers = new Set<AbortController>();
afterEach(() => {
  for (const controller of controllers) controller.abort();
  controllers.clear();
});

/** Runs `upstate sim` in-process and resolves once it has printed its URLs. */
async function startSim(argv: readonly string[], env: Record<string, string> = {}) {
  const controller = new AbortController();
  controllers.add(controller);
  let announce: (urls: { url: string; privateUrl: string }) => void = () => {};
  const announced = new Promise<{ url: string; privateUrl: string }>((resolve) => (announce = resolve));
  const io: CapturedIo = captureIo({
    signal: controller.signal,
    env,
    onOut: (text) => {
      const url = /public:\s+(\S+)/.exec(text)?.[1];
      const privateUrl = /private:\s+(\S+)/.exec(text)?.[1];
      if (url !== undefined && privateUrl !== undefined) announce({ url, privateUrl });
    },
  });
  const running = run(argv, io);
  return { ...(await announced), io, running, stop: () => controller.abort() };
}

describe('parseSimArgs', () => {
  it('reads the options', () => {
    expect(parseSimArgs(['--port', '9100', '--host', '0.0.0.0', '--seed', '7', '--tick-ms', '50'])).toEqual({
      help: false,
      port: 9100,
      host: '0.0.0.0',
      seed: 7,
      tickMs: 50,
    });
    expect(parseSimArgs([])).toEqual({ help: false });
    expect(parseSimArgs(['-h'])).toEqual({ help: true });
  });

  it.each([
    [['--port', 'abc'], "--port expects a whole number from 0 to 65535, got 'abc'"],
    [['--port', '70000'], "--port expects a whole number from 0 to 65535, got '70000'"],
    [['--tick-ms', '1.5'], "--tick-ms expects a whole number from 0 to 2147483647, got '1.5'"],
    [['--bogus'], "unknown option '--bogus'"],
    [['stray'], "unexpected argument 'stray'"],
    // Secrets never go on the command line: the key pair comes from the environment.
    [['--credential', 'ak:sk'], "unknown option '--credential'"],
  ])('rejects %j with a UsageError: %s', (argv, message) => {
    expect(() => parseSimArgs(argv)).toThrow(UsageError);
    expect(() => parseSimArgs(argv)).toThrow(message);
  });
});

describe('upstate sim', () => {
  it('serves the exchange until its signal aborts, then closes it and exits 0', async () => {
    const listenersBefore = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const sim = await startSim(['--port', '0', '--tick-ms', '0']);
    expect(sim.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1$/);
    expect(sim.privateUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1\/private$/);
    expect(sim.io.out()).toContain('(no key pair: UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY unset)');
    expect(sim.io.out()).toMatch(/^upstate sim: Upbit-compatible exchange running \(simulated market\)\n/);
    // Signals are main.ts's business: the command listens to its `io.signal` only.
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(listenersBefore);

    const client = await connect(sim.url);
    client.send([{ ticket: 't' }, { type: 'ticker', codes: ['KRW-BTC'] }]);
    expect(jsonOf(await client.next())).toMatchObject({ type: 'ticker', stream_type: 'SNAPSHOT' });

    sim.stop();
    expect(await sim.running).toBe(0);
    // The exchange went away with its connections.
    expect((await client.closed).code).toBe(1006);
    expect(sim.io.out()).toMatch(/upstate sim: closed\n$/);
  });

  it('accepts the key pair from UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY on the private endpoint, never printing the secret', async () => {
    const sim = await startSim(['--tick-ms', '0'], KEY_ENV);
    expect(sim.io.out()).toContain('(key pair from UPBIT_ACCESS_KEY)');

    const accepted = await connect(sim.privateUrl, bearer(KEYS));
    accepted.send([{ ticket: 'keys' }, { method: 'LIST_SUBSCRIPTIONS' }]);
    expect(jsonOf(await accepted.next())).toEqual({ method: 'LIST_SUBSCRIPTIONS', result: [], ticket: 'keys' });

    const refused = await connect(sim.privateUrl, bearer({ accessKey: KEYS.accessKey, secretKey: 'another-secret' }));
    expect(jsonOf(await refused.next())).toMatchObject({ error: { name: 'INVALID_AUTH' } });

    sim.stop();
    expect(await sim.running).toBe(0);
    expect(sim.io.out() + sim.io.err()).not.toContain(KEYS.secretKey);
  });

  it('refuses a lone UPBIT_ACCESS_KEY with the usage and exit 2, starting nothing and echoing nothing', async () => {
    const io = captureIo({ env: { UPBIT_ACCESS_KEY: 'lonely-access-key' } });
    expect(await run(['--port', '0'], io)).toBe(2);
    expect(io.err()).toBe(`upstate sim: set both UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, or neither\n\n${SIM_USAGE}`);
    expect(io.err()).not.toContain('lonely-access-key');
    expect(io.out()).toBe('');
  });

  it('reports a bad option value the exchange refuses as a usage error', async () => {
    const io = captureIo();
    expect(await run(['--host', ''], io)).toBe(2);
    expect(io.err().split('\n')[0]).toContain('upstate sim: Expected `host` to be a non-empty string');
    expect(io.out()).toBe('');
  });

  it('prints the usage for --help and starts nothing', async () => {
    const io = captureIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.out()).toBe(SIM_USAGE);
  });
});
