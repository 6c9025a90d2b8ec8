import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/watch.js';
import { startExchange, type ExchangeHandle } from '../../src/sim/index.js';
import { captureIo } from './io.js';

const exchanges: ExchangeHandle[] = [];
afterEach(async () => {
  await Promise.all(exchanges.splice(0).map((exchange) => exchange.close()));
});

async function exchangeWith(credentials: { accessKey: string; secretKey: string }[] = []): Promise<ExchangeHandle> {
  const exchange = await startExchange({ credentials });
  exchanges.push(exchange);
  return exchange;
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('upstate watch', () => {
  it('prints exactly --count JSON lines with DEFAULT names from its embedded exchange', async () => {
    const io = captureIo();
    expect(await run(['ticker', 'KRW-BTC', 'KRW-ETH', '--json', '--count', '5'], io)).toBe(0);
    const messages = jsonLines(io.out());
    expect(messages).toHaveLength(5);
    for (const message of messages) {
      expect(message.type).toBe('ticker');
      expect(['KRW-BTC', 'KRW-ETH']).toContain(message.code);
      expect(message.trade_price).toEqual(expect.any(Number));
      expect(['SNAPSHOT', 'REALTIME']).toContain(message.stream_type);
      // Made up by the embedded exchange, and every line says so.
      expect(message.simulated).toBe(true);
    }
    // Both markets' snapshots come first.
    expect(new Set(messages.slice(0, 2).map((m) => m.code))).toEqual(new Set(['KRW-BTC', 'KRW-ETH']));
    expect(io.err()).toMatch(/^upstate watch: simulated data from the embedded exchange at ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1, not Upbit's\n$/);
  });

  it('delivers DEFAULT names when the wire format is SIMPLE', async () => {
    const io = captureIo();
    expect(await run(['orderbook', 'KRW-XRP.5', '--format', 'SIMPLE', '--json', '--count', '2'], io)).toBe(0);
    const messages = jsonLines(io.out());
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).toMatchObject({ type: 'orderbook', code: 'KRW-XRP' });
      expect(message.orderbook_units).toHaveLength(5);
      expect(message).not.toHaveProperty('ty');
      expect(message).not.toHaveProperty('cd');
    }
  });

  it('prints a header and one aligned row per message without a terminal', async () => {
    const io = captureIo();
    expect(await run(['trade', 'KRW-BTC', '--count', '3'], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('SIMULATED: prices from the embedded exchange, not from Upbit');
    expect(lines[1]).toMatch(/^code\s+time\s+side\s+price\s+volume\s+stream$/);
    for (const row of lines.slice(2)) expect(row).toMatch(/^KRW-BTC\s+\d\d:\d\d:\d\d\s+(ASK|BID)\s+[\d.]+\s+[\d.e-]+\s+(SNAPSHOT|REALTIME)$/);
    expect(io.err()).toMatch(/^upstate watch: simulated data from the embedded exchange at ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1, not Upbit's\n$/);
  });

  it('repaints one row per market on a terminal', async () => {
    const io = captureIo({ isTTY: true });
    expect(await run(['ticker', 'KRW-BTC', 'KRW-ETH', '--count', '4'], io)).toBe(0);
    const frames = io.out().split('\u001b[H').filter((frame) => frame.includes('upstate watch'));
    const last = frames.at(-1)!;
    expect(last).toContain('upstate watch ticker — 4 messages\u001b[K\nSIMULATED: prices from the embedded exchange');
    // The finished screen no longer offers Ctrl-C; every line fits 80 columns.
    expect(last).not.toContain('Ctrl-C');
    for (const line of last.split('\u001b[K\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(last.match(/^KRW-BTC\s/gm)).toHaveLength(1);
    expect(last.match(/^KRW-ETH\s/gm)).toHaveLength(1);
    // The cursor comes back at the end.
    expect(io.out().endsWith('\u001b[?25h')).toBe(true);
  });

  it('streams myOrder events the embedded exchange makes up for its own key pair', async () => {
    const io = captureIo();
    expect(await run(['myOrder', 'KRW-ETH', '--json', '--count', '2'], io)).toBe(0);
    const messages = jsonLines(io.out());
    expect(messages).toHaveLength(2);
    for (const message of messages) expect(message).toMatchObject({ type: 'myOrder', code: 'KRW-ETH', stream_type: 'REALTIME' });
  });

  it('ends after --duration', async () => {
    const io = captureIo();
    expect(await run(['ticker', 'KRW-BTC', '--json', '--duration', '0.5'], io)).toBe(0);
    expect(jsonLines(io.out()).length).toBeGreaterThan(0);
  });

  it('ends when its signal aborts', async () => {
    const controller = new AbortController();
    const io = captureIo({
      signal: controller.signal,
      onOut: () => controller.abort(),
    });
    expect(await run(['ticker', 'KRW-BTC', '--json'], io)).toBe(0);
    expect(jsonLines(io.out()).length).toBeGreaterThanOrEqual(1);
  });

  it('streams from --endpoint instead of starting an exchange', async () => {
    const exchange = await exchangeWith();
    const io = captureIo();
    expect(await run(['candle.1s', 'KRW-BTC', '--endpoint', exchange.url, '--json', '--count', '1'], io)).toBe(0);
    expect(jsonLines(io.out())[0]).toMatchObject({ type: 'candle.1s', code: 'KRW-BTC' });
    // A real endpoint's data is not marked.
    expect(jsonLines(io.out())[0]).not.toHaveProperty('simulated');
    expect(exchange.counters.connectionsAccepted).toBe(1);
    expect(io.err()).toBe('');
  });

  it('names a market the embedded exchange does not list at once, with a near one, and starts nothing', async () => {
    const io = captureIo();
    expect(await run(['ticker', 'KRW-BTC', 'KRW-BCT', '--json'], io)).toBe(2);
    expect(io.err().split('\n')[0]).toBe(
      "upstate watch: KRW-BCT is not a market of the embedded exchange; did you mean KRW-BTC or KRW-BCH? 'upstate sim --help' lists its 20, --endpoint reaches a real exchange",
    );
    expect(io.out()).toBe('');
  });

  it('exits 1 with the last error when a real endpoint refuses every attempt and nothing arrives', async () => {
    const exchange = await exchangeWith();
    exchange.faults.refuseUpgrades(60_000, 429);
    const io = captureIo();
    expect(await run(['ticker', 'KRW-BTC', '--endpoint', exchange.url, '--json', '--duration', '1'], io)).toBe(1);
    const lines = io.err().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^upstate watch: the public connection failed \(HTTP 429\), retrying \(attempt 1\)$/);
    expect(lines.at(-1)).toBe('upstate watch: no messages received; the last error: the public connection failed (HTTP 429)');
    expect(io.out()).toBe('');
  });

  it('exits 1 when the private endpoint refuses the key pair, without printing the secret', async () => {
    const exchange = await exchangeWith([{ accessKey: 'known-access', secretKey: 'known-secret' }]);
    const io = captureIo({ env: { UPBIT_ACCESS_KEY: 'other-access', UPBIT_SECRET_KEY: 'other-secret-value' } });
    expect(await run(['myOrder', '--endpoint', exchange.privateUrl, '--json'], io)).toBe(1);
    expect(io.err()).toMatch(/^upstate watch: .*INVALID_AUTH/m);
    expect(io.err()).not.toContain('other-secret-value');
    expect(io.out()).toBe('');
  });
});
