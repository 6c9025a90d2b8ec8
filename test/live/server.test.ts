import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { type LiveView, serveLiveView } from '../../src/live/index.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { WAIT_MS, waitUntil } from '../support/wait.js';

interface Message {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Reads `/events` as server-sent events; `until` resolves with every message so far once one matches. */
function openEvents(url: string) {
  const messages: Message[] = [];
  const waiters: { predicate: (m: Message) => boolean; resolve: () => void }[] = [];
  let buffer = '';
  let onEnd = (): void => {};
  const ended = new Promise<void>((resolve) => {
    onEnd = resolve;
  });
  const req = request(`${url}events`, (res) => {
    res.on('end', onEnd);
    res.on('close', onEnd);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (!data) continue;
        const message = JSON.parse(data.slice(6)) as Message;
        messages.push(message);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(message)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return {
    messages,
    /** Resolves once the server ended the stream. */
    ended,
    until(predicate: (m: Message) => boolean, what: string): Promise<Message[]> {
      if (messages.some(predicate)) return Promise.resolve(messages);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
        waiters.push({ predicate, resolve: () => (clearTimeout(timer), resolve(messages)) });
      });
    },
    close: () => req.destroy(),
  };
}

let view: LiveView | undefined;
const streams: { close(): void }[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await view?.close();
  view = undefined;
});

describe('serveLiveView', () => {
  it('listens on 127.0.0.1 by default and serves a page that loads nothing from elsewhere', async () => {
    const exchange = await startTestExchange();
    view = await serveLiveView(orchestratorFor(exchange));
    expect(view.host).toBe('127.0.0.1');
    expect(view.url).toBe(`http://127.0.0.1:${view.port}/`);
    const response = await fetch(view.url);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('<svg class="spark" id="rate-sent">');
    // No address in the page but its own: no src/href to another origin, no @import, no fonts.
    expect(html.match(/(?:src|href)\s*=\s*["'](?!data:)[^"']*/g) ?? []).toEqual([]);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).not.toMatch(/@import|@font-face|url\((?!#)/);
  });

  it('gives a late page the charts and the present state first, in the Stately inspector shape, then live events', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    await upbit.settled();
    // Past the cool-down after the leading-edge send: the page opens on an idle flush.
    await waitUntil(() => upbit.stats().connections.public?.flush === 'idle', [[upbit, 'state']], 'the flush idle');
    view = await serveLiveView(upbit, { statsIntervalMs: 100 });
    const events = openEvents(view.url);
    streams.push(events);
    await events.until((m) => m.type === 'upstate.stats', 'stats');

    const [hello, ...rest] = events.messages;
    expect(hello).toMatchObject({ type: 'upstate.hello' });
    const charts = rest.filter((m) => m.type === 'upstate.chart').map((m) => (m.chart as { id: string }).id);
    expect(charts.sort()).toEqual(['connection', 'flush', 'orchestrator']);
    const actors = rest.filter((m) => m.type === '@xstate.actor');
    const names = actors.filter((a) => a.machineId !== undefined).map((a) => a.name);
    expect(names).toEqual(['orchestrator', 'public', 'flush', 'private', 'flush']);
    const root = actors[0]!;
    for (const actor of actors) {
      expect(actor).toMatchObject({ rootId: root.sessionId, _version: expect.any(String), createdAt: expect.stringMatching(/^\d+$/), id: null });
      expect(typeof actor.sessionId).toBe('string');
    }
    const publicFlush = actors.find((a) => a.name === 'flush' && actors.find((p) => p.sessionId === a.parentId)?.name === 'public')!;
    expect(JSON.parse(publicFlush.definition as string)).toMatchObject({ id: 'flush', initial: 'idle' });
    // Each actor's present snapshot right after it, before anything live.
    const present = rest.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === publicFlush.sessionId);
    expect(present[0]).toMatchObject({ event: { type: 'upstate.current' }, snapshot: { value: 'idle', status: 'active' } });
    const stats = events.messages.find((m) => m.type === 'upstate.stats')!;
    expect(stats.stats).toMatchObject({ messagesSent: 1, subscribers: 1, connections: { public: { link: 'open', flush: 'idle' } } });

    // Live: the next change takes the public flush through its states.
    upbit.subscribe({ type: 'ticker', codes: ['KRW-ETH'] }, () => {});
    await upbit.settled();
    const all = await events.until(
      (m) => m.type === '@xstate.snapshot' && m.sessionId === publicFlush.sessionId && (m.snapshot as { value: unknown }).value === 'idle' && (m.event as { type: string }).type !== 'upstate.current',
      'the flush back to idle',
    );
    const values = all
      .filter((m) => m.type === '@xstate.snapshot' && m.sessionId === publicFlush.sessionId)
      .map((m) => {
        const value = (m.snapshot as { value: unknown }).value;
        return typeof value === 'string' ? value : Object.keys(value as object)[0];
      });
    expect(values.filter((v, i) => v !== values[i - 1])).toEqual(['idle', 'rateWaiting', 'sending', 'cooling', 'idle']);
    const sent = all.find((m) => m.type === '@xstate.event' && m.sessionId === publicFlush.sessionId && (m.event as { type: string }).type === 'registry.changed');
    expect(sent).toMatchObject({ sourceId: expect.any(String), rootId: root.sessionId });
    expect(view.clients).toBe(1);
  });

  it("attaches next to the orchestrator's own inspect observer, which keeps every event, and detaches on close", async () => {
    const exchange = await startTestExchange();
    const own: string[] = [];
    const upbit = orchestratorFor(exchange, { inspect: (event) => own.push(event.type) });
    view = await serveLiveView(upbit);
    const events = openEvents(view.url);
    streams.push(events);
    await events.until((m) => m.type === 'upstate.stats', 'stats');
    const before = own.length;
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    await upbit.settled();
    await events.until((m) => m.type === '@xstate.event' && (m.event as { type: string }).type === 'registry.changed', 'registry.changed');
    expect(own.length).toBeGreaterThan(before);
    await view.close();
    await events.ended;
    const seen = events.messages.length;
    upbit.subscribe({ type: 'ticker', codes: ['KRW-ETH'] }, () => {});
    await upbit.settled();
    expect(events.messages.length).toBe(seen);
  });

  it('redacts the secrets it is given from every event', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    view = await serveLiveView(upbit, { secrets: ['KRW-DOGE'] });
    const events = openEvents(view.url);
    streams.push(events);
    await events.until((m) => m.type === 'upstate.stats', 'stats');
    upbit.register('secretive', [{ type: 'ticker', codes: ['KRW-DOGE'] }], () => {});
    await upbit.settled();
    await events.until((m) => m.type === '@xstate.snapshot' && JSON.stringify(m).includes('"sending"'), 'a send');
    expect(JSON.stringify(events.messages)).not.toContain('KRW-DOGE');
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const exchange = await startTestExchange();
    view = await serveLiveView(orchestratorFor(exchange));
    expect((await fetch(`${view.url}nothing`)).status).toBe(404);
    const post = await fetch(`${view.url}metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('ends every stream and stops listening on close', async () => {
    const exchange = await startTestExchange();
    view = await serveLiveView(orchestratorFor(exchange));
    const events = openEvents(view.url);
    streams.push(events);
    await events.until((m) => m.type === 'upstate.stats', 'stats');
    await view.close();
    await view.close();
    await events.ended;
    expect(view.clients).toBe(0);
    await expect(fetch(view.url)).rejects.toThrow();
  });

  it('refuses bad options with OptionError before listening', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    await expect(serveLiveView(upbit, { port: 70_000 })).rejects.toThrow(OptionError);
    await expect(serveLiveView(upbit, { port: 1.5 })).rejects.toThrow(/Expected `port` to be a whole number from 0 to 65535, got 1.5/);
    await expect(serveLiveView(upbit, { host: '' })).rejects.toThrow(OptionError);
    await expect(serveLiveView(upbit, { statsIntervalMs: 0 })).rejects.toThrow(OptionError);
    await expect(serveLiveView(upbit, { secrets: 'x' as unknown as string[] })).rejects.toThrow(OptionError);
    await expect(serveLiveView({} as never)).rejects.toThrow(/Expected `source` to be an Orchestrator/);
  });

  it('rejects with EADDRINUSE when the port is taken, and leaves nothing behind', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    view = await serveLiveView(upbit);
    await expect(serveLiveView(upbit, { port: view.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
