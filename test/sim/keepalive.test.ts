/**
 * Idle close and the `{"status":"UP"}` keepalive, on fake timers: the exchange's timers and `Date`
 * are driven by the test; sockets stay real.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connect, request } from './client.js';
import { exchange, nextEvent, requestsRecorded } from './fixtures.js';

/** As observed on Upbit (docs/sim.md, *Idle connections*); its pages say 120 s. */
const IDLE_MS = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(Date.UTC(2025, 0, 2));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('idle timeout', () => {
  it('drops a connection with no data either way for 60 s, without a close frame (the client sees 1006)', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    const closed = nextEvent(ex, 'close');

    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(ex.connections()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    expect(await closed).toMatchObject({ cause: 'idle', code: 1006 });
    expect(ex.counters.closedIdle).toBe(1);
  });

  it('honours idleTimeoutMs (Upbit documents 120 s)', async () => {
    const ex = await exchange({ idleTimeoutMs: 120_000 });
    const client = await connect(ex.url);
    vi.advanceTimersByTime(IDLE_MS);
    expect(ex.connections()).toHaveLength(1);
    vi.advanceTimersByTime(120_000 - IDLE_MS);
    expect((await client.closed).code).toBe(1006);
  });

  it('counts a client message, a protocol ping and data sent as activity', async () => {
    const ex = await exchange();
    const byMessage = await connect(ex.url);
    const byPing = await connect(ex.url);
    const byData = await connect(ex.url);
    byData.send(request([{ type: 'ticker', codes: ['KRW-BTC'] }], 'DEFAULT'));
    await byData.next();

    vi.advanceTimersByTime(50_000);
    byMessage.send([{ ticket: 'still-here' }, { method: 'LIST_SUBSCRIPTIONS' }]);
    await byMessage.next();
    await byPing.roundTrip();
    // Wait for the data itself (a round trip would be a ping, activity of its own).
    ex.tick(20);
    expect((await byData.next()).json).toMatchObject({ type: 'ticker', stream_type: 'REALTIME' });

    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(ex.connections()).toHaveLength(3);
    vi.advanceTimersByTime(1);
    for (const client of [byMessage, byPing, byData]) expect((await client.closed).code).toBe(1006);
  });

  it('does not time out a silenced connection; the idle clock restarts when the silence ends', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    ex.faults.silence(true);
    vi.advanceTimersByTime(5 * IDLE_MS);
    expect(ex.connections()).toHaveLength(1);

    ex.faults.silence(false);
    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(ex.connections()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect((await client.closed).code).toBe(1006);
  });
});

describe('text PING', () => {
  it('is answered with {"status":"UP"}, then every 10 s, which keeps the connection alive', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send('PING');
    expect((await client.next()).json).toEqual({ status: 'UP' });

    vi.advanceTimersByTime(9_999);
    await client.roundTrip();
    expect(client.drain()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect((await client.next()).json).toEqual({ status: 'UP' });

    // Six minutes, six times the idle timeout: the status frames alone keep it open.
    vi.advanceTimersByTime(360_000);
    await client.roundTrip();
    expect(client.drain()).toHaveLength(36);
    expect(ex.connections()).toHaveLength(1);
    expect(ex.counters.statusSent).toBe(38);
  });

  it('starts one repetition however many PINGs arrive', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send('PING');
    client.send('PING');
    await requestsRecorded(ex, 2);
    vi.advanceTimersByTime(10_000);
    await client.roundTrip();
    expect(client.drain().map((frame) => frame.json)).toEqual([{ status: 'UP' }, { status: 'UP' }, { status: 'UP' }]);
  });
});

describe('close()', () => {
  it('leaves no timer behind: market ticker, idle timers and status repetitions are all cleared', async () => {
    const ex = await exchange({ tickMs: 100 });
    const client = await connect(ex.url);
    client.send('PING');
    await client.next();
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(3);

    await ex.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
