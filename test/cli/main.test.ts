import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DEMO_USAGE, WATCH_USAGE } from '../../src/cli/usage.js';
import { COMMON_HELP, COMMON_OPTIONS } from '../../src/cli/args.js';
import { COMMANDS, synopsis, topUsage } from '../../src/cli/commands.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SIM_USAGE } from '../../src/cli/sim.js';
import { captureIo } from './io.js';

const TOP_USAGE = topUsage();

describe('upstate', () => {
  it('prints the usage for --help and exits 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const io = captureIo();
      expect(await main(argv, io)).toBe(0);
      expect(io.out()).toBe(TOP_USAGE);
      expect(io.err()).toBe('');
    }
  });

  it("prints each command's usage for <command> --help and exits 0", async () => {
    for (const [command, usage] of [
      ['demo', DEMO_USAGE],
      ['watch', WATCH_USAGE],
      ['sim', SIM_USAGE],
    ] as const) {
      const io = captureIo();
      expect(await main([command, '--help'], io)).toBe(0);
      expect(io.out()).toBe(usage);
    }
  });

  it('without a command prints the usage on stderr and exits 2', async () => {
    const io = captureIo();
    expect(await main([], io)).toBe(2);
    expect(io.err()).toBe(TOP_USAGE);
    expect(io.out()).toBe('');
  });

  it.each([
    [['deploy'], "upstate: unknown command 'deploy' (expected demo, watch, sim or gateway)", TOP_USAGE],
    [['--verbose'], "upstate: unknown option '--verbose' (expected demo, watch, sim or gateway)", TOP_USAGE],
    [['demo', '--bogus'], "upstate demo: unknown option '--bogus'", DEMO_USAGE],
    [['demo', 'extra'], "upstate demo: unexpected argument 'extra'", DEMO_USAGE],
    [['demo', '--duration'], "upstate demo: --duration needs a value", DEMO_USAGE],
    [['demo', '--duration', '0'], "upstate demo: --duration expects a number of seconds > 0, got '0'", DEMO_USAGE],
    [['demo', '--duration', 'soon'], "upstate demo: --duration expects a number of seconds > 0, got 'soon'", DEMO_USAGE],
    [['demo', '--compare', '1,0'], "upstate demo: --compare expects a whole number from 1 to 100, got '0'", DEMO_USAGE],
    [['demo', '--compare', '5,101'], "upstate demo: --compare expects a whole number from 1 to 100, got '101'", DEMO_USAGE],
    [['demo', '--inspect-port', '70000'], "upstate demo: --inspect-port expects a whole number from 1 to 65535, got '70000'", DEMO_USAGE],
    [['watch'], 'upstate watch: missing <type> (ticker, trade, orderbook, candle.1m, myOrder, …)', WATCH_USAGE],
    [['watch', 'tick', 'KRW-BTC'], 'upstate watch: Invalid subscription spec: `type` must be one of', WATCH_USAGE],
    [['watch', 'ticker', 'krw-btc'], 'upstate watch: Invalid subscription spec: `codes[0]` must be upper case', WATCH_USAGE],
    [['watch', 'ticker'], 'upstate watch: Invalid subscription spec: `codes` must list at least one market code', WATCH_USAGE],
    [['watch', 'ticker', 'KRW-BTC', '--format', 'XML'], "upstate watch: --format expects DEFAULT or SIMPLE, got 'XML'", WATCH_USAGE],
    [['watch', 'ticker', 'KRW-BTC', '--count', '-1'], "upstate watch: --count expects a whole number from 1 to", WATCH_USAGE],
    [['demo', '--duration', '-1'], "upstate demo: --duration expects a number of seconds > 0, got '-1'", DEMO_USAGE],
    [['watch', 'ticker', 'KRW-BTC', '--json=yes'], 'upstate watch: --json takes no value', WATCH_USAGE],
    [['watch', 'ticker', 'KRW-BCT'], 'upstate watch: KRW-BCT is not a market of the embedded exchange', WATCH_USAGE],
    [['watch', 'ticker', 'KRW-BTC', '--count', '0'], "upstate watch: --count expects a whole number from 1 to", WATCH_USAGE],
    [['watch', 'ticker', 'KRW-BTC', '--endpoint', 'http://x'], "upstate watch: --endpoint expects a ws:// or wss:// URL, got 'http://x'", WATCH_USAGE],
    [['watch', 'myOrder', '--endpoint', 'wss://api.upbit.com/websocket/v1/private'], 'upstate watch: myOrder on a real endpoint needs UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY', WATCH_USAGE],
    [['sim', '--port', 'x'], "upstate sim: --port expects a whole number from 0 to 65535, got 'x'", SIM_USAGE],
    [['sim', '--nope'], "upstate sim: unknown option '--nope'", SIM_USAGE],
  ])('%j: a one-line error, the usage, exit 2', async (argv, error, usage) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    const [first, blank, ...rest] = io.err().split('\n');
    expect(first).toContain(error);
    expect(blank).toBe('');
    expect(rest.join('\n')).toBe(usage);
    expect(io.out()).toBe('');
  });

  it('rejects a lone UPBIT_ACCESS_KEY without echoing it', async () => {
    const io = captureIo({ env: { UPBIT_ACCESS_KEY: 'lonely-access-key' } });
    expect(await main(['demo', '--duration', '1'], io)).toBe(2);
    expect(io.err().split('\n')[0]).toBe('upstate demo: set both UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, or neither');
    expect(io.err()).not.toContain('lonely-access-key');
  });

  it('reports a --trace file that cannot be written as a usage error', async () => {
    const io = captureIo();
    expect(await main(['demo', '--trace', '/nonexistent-dir/trace.jsonl'], io)).toBe(2);
    expect(io.err().split('\n')[0]).toBe("upstate demo: --trace cannot write '/nonexistent-dir/trace.jsonl': ENOENT");
  });
});

describe('upstate --version', () => {
  it("prints the package's version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const io = captureIo();
      expect(await main([flag], io)).toBe(0);
      expect(io.out()).toBe(`${version}\n`);
    }
  });
});

describe('the help and the synopsis', () => {
  it('lists every flag of every command in the synopsis, within 80 columns', () => {
    const text = synopsis();
    for (const command of COMMANDS) {
      const flags = [...command.usage.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map(([, flag]) => flag!).filter((flag) => flag !== '--help');
      expect(flags.length).toBeGreaterThan(0);
      for (const flag of flags) expect(text).toContain(`[${flag}`);
    }
    for (const line of topUsage().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it("is the README's synopsis, word for word", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /## The command line\n\n```\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block).toBe(synopsis());
  });
});

describe('the process', () => {
  it('exits 130 when Ctrl-C (SIGINT) ends a command', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)), 'sim'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, UPBIT_ACCESS_KEY: '', UPBIT_SECRET_KEY: '' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('private:')) child.kill('SIGINT');
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(out).toContain('upstate sim: closed');
    expect(code).toBe(130);
  });
});

describe('the options every long-running command takes', () => {
  it('are each in the shared help, and so in every help text that uses them', () => {
    for (const name of Object.keys(COMMON_OPTIONS)) expect(COMMON_HELP).toMatch(new RegExp(`^ {2}(-\\w, )?--${name}\\b`, 'm'));
    for (const usage of [DEMO_USAGE, WATCH_USAGE]) expect(usage).toContain(COMMON_HELP);
  });
});
