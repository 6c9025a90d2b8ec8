import { describe, expect, it } from 'vitest';
import { OptionError, UpstateError } from '../../src/errors.js';
import { connect } from './client.js';
import { exchange } from './fixtures.js';

const FRAMES = ['a', 'b', 'c'].map((name) => Buffer.from(JSON.stringify({ type: 'ticker', code: `KRW-${name.toUpperCase()}` })));

describe('replay', () => {
  it('sends count frames to the only public connection, cycling through them in order', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    const before = ex.counters.framesSent;

    const result = await ex.replay(FRAMES, { count: 200 });
    const frames = await client.take(200);

    expect(result).toMatchObject({ connectionId: 'c1', sent: 200 });
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(frames.every(({ binary }) => binary)).toBe(true);
    expect(frames.map(({ text }) => text)).toEqual(Array.from({ length: 200 }, (_, i) => FRAMES[i % 3]!.toString()));
    expect(ex.counters.framesSent - before).toBe(200);
    await client.roundTrip();
    expect(client.drain()).toEqual([]);
  });

  it('sends to the named connection only', async () => {
    const ex = await exchange();
    const quiet = await connect(ex.url);
    const target = await connect(ex.url);

    expect(await ex.replay(FRAMES, { count: 5, connectionId: 'c2' })).toMatchObject({ connectionId: 'c2', sent: 5 });
    expect(await target.take(5)).toHaveLength(5);
    await quiet.roundTrip();
    expect(quiet.drain()).toEqual([]);
  });

  it('names what is wrong and sends nothing: no frames, a bad count, an unknown or ambiguous connection', async () => {
    const ex = await exchange();
    await connect(ex.url);
    await connect(ex.url);
    const before = ex.counters.framesSent;

    expect(() => ex.replay([], { count: 1, connectionId: 'c1' })).toThrow(OptionError);
    expect(() => ex.replay(['text'] as unknown as Buffer[], { count: 1, connectionId: 'c1' })).toThrow(/`frames`/);
    expect(() => ex.replay(FRAMES, { count: -1, connectionId: 'c1' })).toThrow(/`count`/);
    expect(() => ex.replay(FRAMES, { count: 1.5, connectionId: 'c1' })).toThrow(/`count`/);
    expect(() => ex.replay(FRAMES, { count: 1, connectionId: 'c9' })).toThrow(/`connectionId`/);
    expect(() => ex.replay(FRAMES, { count: 1 })).toThrow(/2 are open/);
    expect(ex.counters.framesSent).toBe(before);
  });

  it('stops early when the connection goes away, and refuses once the exchange is closed', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    const replaying = ex.replay(FRAMES, { count: 1_000_000 });
    ex.faults.drop('c1');
    await client.closed;

    const result = await replaying;
    expect(result.sent).toBeLessThan(1_000_000);
    await ex.close();
    try {
      ex.replay(FRAMES, { count: 1 });
      expect.unreachable('replay after close');
    } catch (error) {
      expect(error).toBeInstanceOf(UpstateError);
      expect((error as UpstateError).code).toBe('ERR_CLOSED');
    }
  });
});
