import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DEMO_USAGE, USAGE, WATCH_USAGE } from '../../src/cli/usage.js';
import { SIM_USAGE } from '../../src/cli/sim.js';
import { captureIo } from './io.js';

describe('upstate', () => {
  it('prints the usage for --help and exits 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const io = captureIo();
      expect(await main(argv, io)).toBe(0);
      expect(io.out()).toBe(USAGE);
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
    expect(io.err()).toBe(USAGE);
    expect(io.out()).toBe('');
  });

  it.each([
    [['deploy'], "upstate: unknown command 'deploy' (expected demo, watch, sim or gateway)", USAGE],
    [['--verbose'], "upstate: unknown option '--verbose' (expected demo, watch, sim or gateway)", USAGE],
    [['demo', '--bogus'], "upstate demo: Unknown option '--bogus'", DEMO_USAGE],
    [['demo', 'extra'], "upstate demo: Unexpected argument 'extra'", DEMO_USAGE],
    [['demo', '--duration'], "upstate demo: Option '--duration <value>' argument missing", DEMO_USAGE],
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
    [['watch', 'ticker', 'KRW-BTC', '--count', '-1'], "upstate watch: Option '--count' argument is ambiguous", WATCH_USAGE],
    [['watch', 'ticker', 'KRW-BTC', '--count', '0'], "upstate watch: --count expects a whole number from 1 to", WATCH_USAGE],
    [['watch', 'ticker', 'KRW-BTC', '--endpoint', 'http://x'], "upstate watch: --endpoint expects a ws:// or wss:// URL, got 'http://x'", WATCH_USAGE],
    [['watch', 'myOrder', '--endpoint', 'wss://api.upbit.com/websocket/v1/private'], 'upstate watch: myOrder on a real endpoint needs UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY', WATCH_USAGE],
    [['sim', '--port', 'x'], "upstate sim: --port expects a whole number from 0 to 65535, got 'x'", SIM_USAGE],
    [['sim', '--nope'], "upstate sim: Unknown option '--nope'", SIM_USAGE],
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
