import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { parseSimArgs, runSim, SIM_USAGE } from '../../src/sim/cli.js';
import { connect, request } from './client.js';

describe('parseSimArgs', () => {
  it('reads the options', () => {
    expect(parseSimArgs(['--port', '9100', '--host', '0.0.0.0', '--seed', '7', '--tick-ms', '50', '--credential', 'ak:sk'])).toEqual({
      help: false,
      port: 9100,
      host: '0.0.0.0',
      seed: 7,
      tickMs: 50,
      credentials: [{ accessKey: 'ak', secretKey: 'sk' }],
    });
    expect(parseSimArgs([])).toEqual({ help: false });
  });

  it.each([
    [['--port', 'abc'], '--port'],
    [['--bogus'], 'argv'],
    [['stray'], 'argv'],
    [['--credential', 'no-colon'], '--credential'],
  ])('rejects %j naming `%s`', (argv, option) => {
    expect(() => parseSimArgs(argv)).toThrow(OptionError);
    expect(() => parseSimArgs(argv)).toThrow(`\`${option}\``);
  });

  it('never prints a secret in an error', () => {
    expect(() => parseSimArgs(['--credential', 'top-secret-value'])).not.toThrow(/top-secret-value/);
  });
});

describe('runSim', () => {
  it('prints its URLs, serves until stopped, then closes', async () => {
    const output: string[] = [];
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((resolve) => {
      announce = resolve;
    });
    const controller = new AbortController();
    const running = runSim(['--port', '0', '--tick-ms', '0'], {
      signal: controller.signal,
      write: (text) => {
        output.push(text);
        const url = /public:\s+(\S+)/.exec(text)?.[1];
        if (url !== undefined) announce(url);
      },
    });

    const url = await announced;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1$/);
    expect(output.join('')).toMatch(/private: ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1\/private/);
    const client = await connect(url);
    client.send(request([{ type: 'ticker', codes: ['KRW-BTC'] }]));
    expect((await client.next()).json).toMatchObject({ type: 'ticker', stream_type: 'SNAPSHOT' });

    controller.abort();
    await running;
    expect((await client.closed).code).toBe(1006);
    expect(output.at(-1)).toBe('upstate sim: closed\n');
  });

  it('prints the usage for --help and starts nothing', async () => {
    const output: string[] = [];
    await runSim(['--help'], { write: (text) => output.push(text) });
    expect(output).toEqual([SIM_USAGE]);
  });
});
