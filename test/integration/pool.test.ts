/**
 * The pool of public connections against the embedded exchange: a large demand is split into
 * requests the exchange accepts, each shard opens through the shared connect gate and streams,
 * a change or a drop touches only the shard that holds its codes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { MAX_REQUEST_CODES } from '../../src/protocol/upbit/request.js';
import { upbitConnectGate } from '../../src/rate/index.js';
import type { ConnectionId, UpbitMessage } from '../../src/protocol/upbit/types.js';
import type { ConnectionInfo, ExchangeHandle, RequestRecord } from '../../src/sim/index.js';
import { fieldsOf, publicConnections, realtimeStreams, streamsOf, subscribeRequests } from '../support/exchange-requests.js';
import { advanceStepwise } from '../support/fake-clock.js';
import { settlesOnFakeTime, startOnFakeTime, untilWireQuiet } from '../support/quiet-wire.js';
import { closedAfterTest, orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { busiestWindow, expectWithinLimits } from '../support/upbit-limits.js';
import { waitFor, waitUntil } from '../support/wait.js';

const codes = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `KRW-${prefix}${i}`);
const noop = (): void => {};

/** Codes a request names, over all its fields. */
function codesIn(record: RequestRecord): number {
  return fieldsOf(record).reduce((sum, field) => sum + (field.codes?.length ?? 0), 0);
}

/** The market codes an exchange connection is subscribed to. */
function codesOf(connection: ConnectionInfo): Set<string> {
  return new Set(connection.subscription.flatMap((field) => (field.codes ?? []).map(({ code }) => code)));
}

/** The open public exchange connection that carries `code`. */
function carrierOf(exchange: ExchangeHandle, code: string): ConnectionInfo {
  const found = exchange.connections().filter((c) => c.kind === 'public' && codesOf(c).has(code));
  if (found.length !== 1) throw new Error(`expected one connection carrying ${code}, found ${found.length}`);
  return found[0]!;
}

/**
 * The exchange runs in this process: while it streams thousands of snapshots (and the suite runs
 * other files on the same cores), the handshakes of the next connections reach it up to several
 * hundred ms after the gate let them go, more than the 100 ms margin of `upbitConnectGate`. A
 * second of margin keeps each batch of five a full second after the previous one's arrival (see
 * docs/pool.md: a gate that counts from the handshake's answer is the lasting fix).
 */
const slowLoopGate = () => upbitConnectGate(5, 1_000);
describe('a pool of public connections', () => {
  it('5 000 codes of ticker and trade: 10 connections of 500 codes, every request within the limits, every code streaming, no 429', async () => {
    const markets = codes('M', 5_000);
    const exchange = await startTestExchange({ markets });
    const upbit = orchestratorFor(exchange, { connectGate: closedAfterTest(slowLoopGate()) });
    const seen = new Set<string>();
    // A spec lists at most 1 000 codes: five of each type.
    const specs = [0, 1, 2, 3, 4].flatMap((i) => {
      const part = markets.slice(i * 1_000, (i + 1) * 1_000);
      return [{ type: 'ticker' as const, codes: part }, { type: 'trade' as const, codes: part }];
    });
    upbit.register('everything', specs, (message: UpbitMessage) => {
      if (message.type === 'ticker') seen.add(message.code);
    });
    const started = performance.now();
    await upbit.settled();
    const settledMs = performance.now() - started;

    const stats = upbit.stats();
    const publicIds = Object.keys(stats.connections).filter((id) => id !== 'private');
    expect(publicIds).toEqual(['public', ...Array.from({ length: 9 }, (_, i) => `public-${i + 2}`)]);
    expect(stats.connectionsOpened).toBe(10);
    expect(stats.messagesSent).toBe(10);
    const open = publicConnections(exchange);
    expect(open).toHaveLength(10);
    for (const connection of open) expect(codesOf(connection).size).toBe(500);
    for (const record of subscribeRequests(exchange)) expect(codesIn(record)).toBeLessThanOrEqual(MAX_REQUEST_CODES);
    // Every code on exactly one connection, with both types.
    const carried = open.flatMap((connection) => [...codesOf(connection)]);
    expect(new Set(carried).size).toBe(5_000);
    expect(carried).toHaveLength(5_000);
    expect(open.reduce((sum, c) => sum + realtimeStreams(c.subscription).length, 0)).toBe(10_000);
    // settled() resolved once every snapshot had arrived: each code's ticker is here.
    expect(seen.size).toBe(5_000);
    expectWithinLimits(exchange);
    console.info(`pool: 5 000 codes × 2 types → ${open.length} connections, settled in ${settledMs.toFixed(0)} ms`);
  }, 30_000);

  it('5 components × 1 000 codes stream every code, and settled() resolves only once they do', async () => {
    const all = codes('D', 5_000);
    const exchange = await startTestExchange({ markets: all });
    const upbit = orchestratorFor(exchange, { connectGate: closedAfterTest(slowLoopGate()) });
    const seen = new Set<string>();
    for (let c = 0; c < 5; c++) {
      upbit.register(`component-${c}`, [{ type: 'ticker', codes: all.slice(c * 1_000, (c + 1) * 1_000) }], (message: UpbitMessage) => {
        seen.add(message.code);
      });
    }
    await upbit.settled();
    expect(seen.size).toBe(5_000);
    expect(publicConnections(exchange)).toHaveLength(10);
    expectWithinLimits(exchange);
  }, 30_000);

  it('removing every code of one connection closes it after the linger and touches no other', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange, { pool: { codesPerConnection: 10 } });
    const groups = [codes('A', 10), codes('B', 10), codes('C', 10)];
    groups.forEach((group, i) => upbit.register(`group-${i}`, [{ type: 'ticker', codes: group }], noop));
    await upbit.settled();
    const carriers = groups.map((group) => carrierOf(exchange, group[0]!));
    expect(new Set(carriers.map((c) => c.id)).size).toBe(3);
    const requestsBefore = subscribeRequests(exchange).length;
    const closed = waitFor(exchange, 'close');
    const closedEvent = waitFor(upbit, 'close');

    upbit.unregister('group-1');
    const [{ id }] = await closed;
    expect(id).toBe(carriers[1]!.id);
    const [which] = await closedEvent;
    expect(which).toBe('public-2');
    await waitUntil(() => !('public-2' in upbit.stats().connections), [[upbit, 'state']], 'public-2 to be released');

    // No request went anywhere: Upbit has no unsubscribe, the shard's socket closed instead.
    expect(subscribeRequests(exchange).length).toBe(requestsBefore);
    const open = publicConnections(exchange);
    expect(open.map((c) => c.id).sort()).toEqual([carriers[0]!.id, carriers[2]!.id].sort());
    expect(upbit.stats().connectionsOpened).toBe(3);
    // A released shard ignores retry(); what is no connection id at all is an error.
    expect(() => upbit.retry('public-2')).not.toThrow();
    expect(() => upbit.retry('public-1' as ConnectionId)).toThrow(OptionError);
    // The next new code goes to a new shard, whose id is free again.
    upbit.register('group-3', [{ type: 'ticker', codes: codes('E', 1) }], noop);
    await upbit.settled();
    expect(Object.keys(upbit.stats().connections)).toEqual(['public', 'public-2', 'public-3', 'private']);
  });

  it('killing one connection resends only its own state, with snapshots only for its codes', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange, { pool: { codesPerConnection: 10 } });
    const groups = [codes('A', 10), codes('B', 10), codes('C', 10)];
    groups.forEach((group, i) => upbit.register(`group-${i}`, [{ type: 'ticker', codes: group }, { type: 'trade', codes: group }], noop));
    await upbit.settled();
    const victim = carrierOf(exchange, groups[1]![0]!);
    const before = subscribeRequests(exchange).length;
    const reopened = waitFor(upbit, 'open', (connection) => connection === 'public-2');

    expect(exchange.faults.drop(victim.id)).toBe(1);
    await reopened;
    await upbit.settled();

    const resent = subscribeRequests(exchange).slice(before);
    expect(resent).toHaveLength(1);
    const [record] = resent;
    expect(record!.connectionId).not.toBe(victim.id);
    const expected = groups[1]!.flatMap((code) => [`ticker ${code}`, `trade ${code}`]).sort();
    expect(streamsOf(fieldsOf(record!))).toEqual(expected);
    // A fresh socket: the snapshots of its own codes are asked again, nobody else's.
    const snapshots = fieldsOf(record!).filter((field) => field.snapshot);
    expect(streamsOf(snapshots)).toEqual(expected);
    expect(upbit.stats().connections['public-2']?.reconnects).toBe(1);
    expect(upbit.stats().connections.public.reconnects).toBe(0);
    expect(upbit.stats().connections['public-3']?.reconnects).toBe(0);
    expectWithinLimits(exchange);
  });

  describe('churn', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('300 changes a minute over codes on three connections: each connection within its budget, 0 violations', async () => {
      const { exchange, upbit } = await startOnFakeTime({ pool: { codesPerConnection: 10 } });
      const groups = [codes('A', 10), codes('B', 10), codes('C', 10)];
      // Tickers of every code stay for the whole run: the codes never leave their shard.
      groups.forEach((group, i) => upbit.register(`anchor-${i}`, [{ type: 'ticker', codes: group }], noop));
      await upbit.settled();
      const all = groups.flat();

      const quiet = (): Promise<void> => untilWireQuiet(upbit, exchange);

      // 300 changes, one every 200 ms: trades come and go on codes spread over the three shards.
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % n;
      };
      const trades = new Map<string, () => void>();
      for (let change = 0; change < 300; change++) {
        await advanceStepwise(200, quiet);
        const code = all[random(all.length)]!;
        const off = trades.get(code);
        if (off === undefined) trades.set(code, upbit.subscribe({ type: 'trade', codes: [code] }, noop).unsubscribe);
        else {
          off();
          trades.delete(code);
        }
      }
      expect(await settlesOnFakeTime(upbit, quiet, 120)).toBe(true);
      await quiet();

      expectWithinLimits(exchange);
      const stats = upbit.stats();
      expect(stats.connectionsOpened).toBe(3);
      const byConnection = new Map<string, RequestRecord[]>();
      for (const record of subscribeRequests(exchange)) byConnection.set(record.connectionId, [...(byConnection.get(record.connectionId) ?? []), record]);
      expect(byConnection.size).toBe(3);
      for (const records of byConnection.values()) {
        const times = records.map(({ at }) => at);
        expect(busiestWindow(times, 1_000)).toBeLessThanOrEqual(5);
        expect(busiestWindow(times, 60_000)).toBeLessThanOrEqual(100);
      }
      // One connection alone would have needed more than its minute's budget.
      expect(stats.messagesSent).toBeGreaterThan(100);
      // Each connection ends with exactly its codes' desired state.
      for (const group of groups) {
        const carrier = carrierOf(exchange, group[0]!);
        const wanted = group.flatMap((code) => [`ticker ${code}`, ...(trades.has(code) ? [`trade ${code}`] : [])]).sort();
        expect(realtimeStreams(carrier.subscription)).toEqual(wanted);
      }
      const ids: ConnectionId[] = ['public', 'public-2', 'public-3'];
      for (const id of ids) expect(stats.connections[id as 'public']?.flush).toBe('idle');
    }, 120_000);
  });
});
