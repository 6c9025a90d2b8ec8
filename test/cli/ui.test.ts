import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { run as watch } from '../../src/cli/watch.js';
import { captureIo } from './io.js';
import { UsageError } from '../../src/cli/args.js';
import { parseDemoArgs } from '../../src/cli/demo.js';
import { takeUiOption } from '../../src/cli/ui.js';
import { parseWatchArgs } from '../../src/cli/watch.js';

describe('--ui [PORT]', () => {
  it.each([
    [['--ui'], { port: 0 }, []],
    [['--ui', '9464'], { port: 9464 }, []],
    [['--ui=9464'], { port: 9464 }, []],
    [['ticker', 'KRW-BTC', '--ui', '--json'], { port: 0 }, ['ticker', 'KRW-BTC', '--json']],
    [['--ui', 'KRW-BTC'], { port: 0 }, ['KRW-BTC']],
    [['--json'], undefined, ['--json']],
    [['--', '--ui'], undefined, ['--', '--ui']],
  ] as const)('%j → %j, leaving %j', (argv, ui, rest) => {
    expect(takeUiOption(argv)).toEqual({ ui, argv: rest });
  });

  it.each([
    [['--ui', '70000'], /--ui expects a whole number from 1 to 65535, got '70000'/],
    [['--ui=abc'], /--ui expects a whole number from 1 to 65535, got 'abc'/],
    [['--ui', '--ui'], /--ui given twice/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => takeUiOption(argv)).toThrow(UsageError);
    expect(() => takeUiOption(argv)).toThrow(message);
  });

  it('is taken by demo (a longer live phase unless --duration) and by watch', () => {
    expect(parseDemoArgs(['--ui', '8080'])).toMatchObject({ ui: { port: 8080 }, durationMs: 600_000 });
    expect(parseDemoArgs(['--ui', '--duration', '5'])).toMatchObject({ ui: { port: 0 }, durationMs: 5_000 });
    expect(parseDemoArgs([])).toMatchObject({ ui: undefined, durationMs: 30_000 });
    expect(parseWatchArgs(['ticker', 'KRW-BTC', '--ui'])).toMatchObject({ ui: { port: 0 }, spec: { type: 'ticker', codes: ['KRW-BTC'] } });
  });
});

describe('upstate watch --ui', () => {
  it('prints the page address and serves the page, /metrics and /healthz while it runs, then stops serving', async () => {
    const stop = new AbortController();
    const io = captureIo({ signal: stop.signal });
    const running = watch(['ticker', 'KRW-BTC', '--json', '--ui'], io);
    let url: string | undefined;
    for (let i = 0; i < 200 && url === undefined; i++) {
      url = /Live view: open (http:\/\/127\.0\.0\.1:\d+\/) \(also \S+metrics and \S+healthz\)/.exec(io.err())?.[1];
      if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(url).toBeDefined();
    // Wait for the first message: the public connection is then open.
    for (let i = 0; i < 200 && io.out() === ''; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect((await fetch(url!)).status).toBe(200);
    expect(await (await fetch(`${url}healthz`)).json()).toMatchObject({ status: 'ok' });
    expect(await (await fetch(`${url}metrics`)).text()).toMatch(/^upstate_messages_sent_total\{connection="public"\} 1$/m);
    stop.abort();
    expect(await running).toBe(0);
    await expect(fetch(url!)).rejects.toThrow();
  });

  it('names a --ui port already in use as a usage error (exit 2)', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      const io = captureIo();
      expect(await watch(['ticker', 'KRW-BTC', '--ui', String(port), '--count', '1'], io)).toBe(2);
      expect(io.err()).toContain(`--ui port ${port} is already in use`);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
