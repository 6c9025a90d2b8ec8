import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createActor,
  fromCallback,
  fromPromise,
  sendTo,
  setup,
  waitFor,
  type AnyEventObject,
  type CallbackActorLogic,
  type NonReducibleUnknown,
  type PromiseActorLogic,
} from 'xstate';
import type { WebSocket as ServerSocket } from 'ws';
import type { UpbitMessage } from '../../src/protocol/upbit/types.js';
import {
  openLinkActor,
  watchLinkActor,
  type LinkEndpoint,
  type LinkWatchCommand,
  type LinkWatchEvent,
} from '../../src/transport/actors.js';
import { LinkError } from '../../src/transport/errors.js';
import { Link } from '../../src/transport/link.js';
import { startServer, type TestServer } from './server.js';

const binary = (value: unknown) => Buffer.from(JSON.stringify(value));
const ticker = (code: string) => ({ type: 'ticker', code, stream_type: 'REALTIME', timestamp: 1 });

let server: TestServer;
let link: Link;
let received: UpbitMessage[];
let stopActor: () => void;

beforeEach(async () => {
  server = await startServer({ autoPong: false });
  received = [];
  link = new Link({ onMessage: (message) => received.push(message) });
  stopActor = () => {};
});

afterEach(async () => {
  stopActor();
  await link.close();
  await server.close();
});

/**
 * The smallest chart that uses both actors: connecting → open (watching) → closed, plus test
 * events that poke the watcher. Every event the watcher sends back is recorded in `events`.
 */
function startChart(endpoint: () => LinkEndpoint, initial: 'connecting' | 'open' = 'connecting') {
  const events: AnyEventObject[] = [];
  let failure: unknown;
  const chart = setup({
    actors: { openLink: openLinkActor(link, endpoint), watchLink: watchLinkActor(link) },
    types: { events: {} as LinkWatchEvent | { type: 'test.probe' | 'test.leave' | 'test.reconnect' } },
  }).createMachine({
    initial,
    states: {
      connecting: {
        invoke: {
          src: 'openLink',
          onDone: 'open',
          onError: {
            target: 'failed',
            actions: ({ event }) => {
              failure = event.error;
            },
          },
        },
        on: { 'test.leave': 'left' },
      },
      open: {
        invoke: { id: 'watch', src: 'watchLink' },
        on: {
          'link.alive': { actions: ({ event }) => events.push(event) },
          'link.rejected': { actions: ({ event }) => events.push(event) },
          'link.refused': { actions: ({ event }) => events.push(event) },
          'link.closed': { target: 'closed', actions: ({ event }) => events.push(event) },
          'test.probe': { actions: sendTo('watch', { type: 'link.probe' }) },
          'test.leave': 'left',
        },
      },
      closed: { on: { 'test.reconnect': 'connecting' } },
      failed: {},
      left: {},
    },
  });
  const actor = createActor(chart).start();
  stopActor = () => actor.stop();
  return { actor, events, failure: () => failure };
}

/** A data frame sent after `frames`: once it reaches onMessage, everything before it has been handled. */
async function sendThenBarrier(peer: ServerSocket, frames: unknown[], code: string): Promise<void> {
  for (const frame of frames) peer.send(binary(frame));
  peer.send(binary(ticker(code)));
  while (!received.some((message) => message.code === code)) await new Promise((resolve) => setImmediate(resolve));
}

describe('openLinkActor', () => {
  it('opens the link with what endpoint() returns, calling it afresh on every start', async () => {
    let calls = 0;
    const { actor } = startChart(() => {
      calls += 1;
      return { url: `${server.url}/private`, headers: { Authorization: `Bearer jwt-${calls}` } };
    });
    await waitFor(actor, (snapshot) => snapshot.matches('open'));
    expect(link.isOpen).toBe(true);

    (await server.connection(0)).close(4000, 'server restart');
    await waitFor(actor, (snapshot) => snapshot.matches('closed'));
    actor.send({ type: 'test.reconnect' });
    await waitFor(actor, (snapshot) => snapshot.matches('open'));

    expect(calls).toBe(2);
    expect(server.requests.map((request) => request.headers.authorization)).toEqual(['Bearer jwt-1', 'Bearer jwt-2']);
    expect(server.requests.map((request) => request.url)).toEqual(['/private', '/private']);
  });

  it('fails with the LinkError of a refused upgrade, status and Retry-After intact', async () => {
    server.answer = { kind: 'refuse', status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '3' } };
    const { actor, failure } = startChart(() => ({ url: server.url }));
    await waitFor(actor, (snapshot) => snapshot.matches('failed'));
    expect(failure()).toBeInstanceOf(LinkError);
    expect(failure()).toMatchObject({ code: 'ERR_LINK', status: 429, retryAfterMs: 3_000 });
  });

  it('aborts the opening when the chart leaves the state', async () => {
    server.answer = { kind: 'hang' };
    const { actor } = startChart(() => ({ url: server.url }));
    const serverSide = await server.socket();
    actor.send({ type: 'test.leave' });
    await once(serverSide, 'close');
    expect(actor.getSnapshot().value).toBe('left');
    expect(link.isOpen).toBe(false);
    // The link is free again.
    server.answer = { kind: 'accept' };
    await link.open(server.url);
    expect(link.isOpen).toBe(true);
  });
});

describe('watchLinkActor', () => {
  async function openChart() {
    const chart = startChart(() => ({ url: server.url }));
    await waitFor(chart.actor, (snapshot) => snapshot.matches('open'));
    return { ...chart, peer: await server.connection() };
  }

  it('reports link.alive for a pong, only after a probe, and only once per probe', async () => {
    const { actor, events, peer } = await openChart();
    peer.ping();
    await sendThenBarrier(peer, [ticker('KRW-A')], 'BARRIER-1');
    expect(events).toEqual([]);

    // The test server does not pong by itself: answer the probe's ping by hand.
    const pinged = once(peer, 'ping');
    actor.send({ type: 'test.probe' });
    await pinged;
    peer.pong();
    await waitFor(actor, () => events.length === 1);
    expect(events).toEqual([{ type: 'link.alive' }]);

    await sendThenBarrier(peer, [ticker('KRW-B')], 'BARRIER-2');
    peer.pong();
    await sendThenBarrier(peer, [], 'BARRIER-3');
    expect(events).toEqual([{ type: 'link.alive' }]);
  });

  it('takes any frame after a probe as a sign of life, while data still goes only to onMessage', async () => {
    const { actor, events, peer } = await openChart();
    const pinged = once(peer, 'ping');
    actor.send({ type: 'test.probe' });
    await pinged;
    await sendThenBarrier(peer, [ticker('KRW-BTC')], 'BARRIER');
    expect(events).toEqual([{ type: 'link.alive' }]);
    expect(received.map((message) => message.code)).toEqual(['KRW-BTC', 'BARRIER']);
  });

  it('relays an INVALID_AUTH error frame as link.rejected and other error frames as link.refused', async () => {
    const { events, peer } = await openChart();
    await sendThenBarrier(
      peer,
      [
        { status: 'UP' },
        { error: { name: 'WRONG_FORMAT', message: 'bad field' } },
        { error: { name: 'INVALID_AUTH', message: 'bad key' } },
      ],
      'BARRIER',
    );
    expect(events).toEqual([
      { type: 'link.refused', name: 'WRONG_FORMAT', message: 'bad field' },
      { type: 'link.rejected', name: 'INVALID_AUTH', message: 'bad key' },
    ]);
  });

  it('relays the close code and reason once', async () => {
    const { actor, events, peer } = await openChart();
    peer.close(4001, 'maintenance');
    await waitFor(actor, (snapshot) => snapshot.matches('closed'));
    expect(events).toEqual([{ type: 'link.closed', code: 4001, reason: 'maintenance' }]);
  });

  it('relays an abrupt termination as link.closed with code 1006', async () => {
    const { actor, events, peer } = await openChart();
    peer.terminate();
    await waitFor(actor, (snapshot) => snapshot.matches('closed'));
    expect(events).toEqual([{ type: 'link.closed', code: 1006, reason: '' }]);
  });

  it('sends link.closed at once when the link is not open at start', async () => {
    const { actor, events } = startChart(() => ({ url: server.url }), 'open');
    await waitFor(actor, (snapshot) => snapshot.matches('closed'));
    expect(events).toEqual([{ type: 'link.closed', code: 1006, reason: '' }]);
  });

  it('relays an INVALID_AUTH frame that arrived before it started, rather than a plain close', async () => {
    // Upbit answers a bad token right after the handshake, before the chart has entered `open`.
    await link.open(server.url);
    const peer = await server.connection();
    const closed = new Promise((resolve) => link.once('close', resolve));
    peer.send(binary({ error: { name: 'INVALID_AUTH', message: 'bad key' } }));
    peer.close(1008, 'auth');
    await closed;
    const { actor, events } = startChart(() => ({ url: server.url }), 'open');
    await waitFor(actor, () => events.length > 0);
    expect(events).toEqual([{ type: 'link.rejected', name: 'INVALID_AUTH', message: 'bad key' }]);
    expect(link.rejection?.name).toBe('INVALID_AUTH');
    // The next open starts clean.
    await link.open(server.url);
    expect(link.rejection).toBeUndefined();
  });

  it('when stopped, removes its listeners and closes the link', async () => {
    const { actor, peer } = await openChart();
    expect(link.listenerCount('close')).toBe(1);
    const serverSaw = once(peer, 'close');
    actor.send({ type: 'test.leave' });
    await serverSaw;
    expect(link.isOpen).toBe(false);
    expect(link.listenerCount('close')).toBe(0);
    expect(link.listenerCount('control')).toBe(0);
    expect(link.listenerCount('activity')).toBe(0);
  });
});

describe('actor types', () => {
  it('default to no input, and every watch command', () => {
    expectTypeOf(openLinkActor(link, () => ({ url: server.url }))).toEqualTypeOf<PromiseActorLogic<void, void>>();
    expectTypeOf(watchLinkActor(link)).toEqualTypeOf<CallbackActorLogic<LinkWatchCommand, NonReducibleUnknown>>();
  });

  it('fit a chart that declares an input and only the probe command', () => {
    const chart = setup({
      actors: {
        openLink: fromPromise<void, { kind: 'public' }>(async () => {}),
        watchLink: fromCallback<{ type: 'link.probe' }, { kind: 'public' }>(() => () => {}),
      },
    }).createMachine({ initial: 'idle', states: { idle: {} } });
    // Type-checked by `tsc`: provide() accepts the actors with the chart's declared types.
    const provided = chart.provide({
      actors: { openLink: openLinkActor(link, () => ({ url: server.url })), watchLink: watchLinkActor(link) },
    });
    expect(provided.implementations.actors.openLink).not.toBe(chart.implementations.actors.openLink);
  });
});
