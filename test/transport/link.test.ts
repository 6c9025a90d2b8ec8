import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebSocket as ServerSocket } from 'ws';
import { OptionError, UpstateError } from '../../src/errors.js';
import type { UpbitMessage } from '../../src/protocol/upbit/types.js';
import { LinkError } from '../../src/transport/errors.js';
import { Link, type ControlFrame, type LinkCloseInfo } from '../../src/transport/link.js';
import { nextEvent, startServer, type TestServer } from './server.js';

const ticker = (code: string) => ({
  type: 'ticker',
  code,
  trade_price: 100,
  stream_type: 'REALTIME',
  timestamp: 1_700_000_000_000,
});
/** Upbit sends JSON as binary frames. */
const binary = (value: unknown) => Buffer.from(JSON.stringify(value));

let server: TestServer;
let link: Link;
let received: UpbitMessage[];
/** The onMessage of every link in these tests: records, and wakes `arrivalOf`. */
let collect: (message: UpbitMessage) => void;
/** Resolves when onMessage has seen a message for `code` (the server's frames arrive in order). */
let arrivalOf: (code: string) => Promise<void>;

beforeEach(async () => {
  server = await startServer();
  received = [];
  const waiting = new Map<string, () => void>();
  arrivalOf = (code) =>
    received.some((message) => message.code === code)
      ? Promise.resolve()
      : new Promise((resolve) => waiting.set(code, resolve));
  collect = (message) => {
    received.push(message);
    waiting.get(message.code)?.();
  };
  link = new Link({ onMessage: collect });
});

afterEach(async () => {
  await link.close();
  await server.close();
});

async function openLink(): Promise<ServerSocket> {
  await link.open(server.url);
  return server.connection();
}

describe('Link', () => {
  describe('open', () => {
    it('resolves once the socket is open, sending the given headers', async () => {
      expect(link.isOpen).toBe(false);
      expect(link.openedAt).toBeUndefined();
      await link.open(`${server.url}/websocket/v1/private`, { Authorization: 'Bearer token-1' });
      expect(link.isOpen).toBe(true);
      expect(typeof link.openedAt).toBe('number');
      expect(server.requests[0]?.headers.authorization).toBe('Bearer token-1');
      expect(server.requests[0]?.url).toBe('/websocket/v1/private');
    });

    it('does not offer permessage-deflate unless asked to', async () => {
      await link.open(server.url);
      expect(server.requests[0]?.headers['sec-websocket-extensions']).toBeUndefined();
      await link.close();

      const deflating = new Link({ onMessage: () => {}, perMessageDeflate: true });
      await deflating.open(server.url);
      expect(server.requests[1]?.headers['sec-websocket-extensions']).toContain('permessage-deflate');
      await deflating.close();
    });

    it('rejects a second open while a socket is open', async () => {
      await openLink();
      await expect(link.open(server.url)).rejects.toBeInstanceOf(LinkError);
      expect(link.isOpen).toBe(true);
    });

    it('rejects an invalid URL with a LinkError', async () => {
      const error = await link.open('not a url').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LinkError);
      expect(error).toMatchObject({ code: 'ERR_LINK', status: undefined });
      expect(link.isOpen).toBe(false);
    });

    it('rejects with a LinkError without status when nothing listens', async () => {
      const url = server.url;
      await server.close();
      server = await startServer();
      const error = await link.open(url).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LinkError);
      expect((error as LinkError).status).toBeUndefined();
      expect((error as LinkError).reason).toMatch(/ECONNREFUSED/);
    });

    describe('refused upgrades', () => {
      const refusals: { status: number; statusText: string; headers: Record<string, string>; retryAfterMs?: number }[] = [
        { status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '2' }, retryAfterMs: 2_000 },
        { status: 418, statusText: "I'm a teapot", headers: { 'Retry-After': '600' }, retryAfterMs: 600_000 },
        { status: 401, statusText: 'Unauthorized', headers: {}, retryAfterMs: undefined },
      ];

      it.each(refusals)(
        'rejects HTTP $status with its status and Retry-After, and emits neither error nor close',
        async ({ status, statusText, headers, retryAfterMs }) => {
          server.answer = { kind: 'refuse', status, statusText, headers };
          const events: string[] = [];
          link.on('error', () => events.push('error'));
          link.on('close', () => events.push('close'));
          const error = await link.open(server.url).catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(LinkError);
          expect(error).toBeInstanceOf(UpstateError);
          expect(error).toMatchObject({ code: 'ERR_LINK', status, retryAfterMs, reason: `HTTP ${status} ${statusText}` });
          expect(link.isOpen).toBe(false);
          expect(events).toEqual([]);
        },
      );

      it('reads a Retry-After given as an HTTP date', async () => {
        const at = new Date(Date.now() + 120_000).toUTCString();
        server.answer = { kind: 'refuse', status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': at } };
        const error = (await link.open(server.url).catch((caught: unknown) => caught)) as LinkError;
        expect(error.retryAfterMs).toBeGreaterThan(100_000);
        expect(error.retryAfterMs).toBeLessThanOrEqual(120_000);
      });

      it('can open again after a refusal', async () => {
        server.answer = { kind: 'refuse', status: 429, statusText: 'Too Many Requests' };
        await expect(link.open(server.url)).rejects.toMatchObject({ status: 429 });
        server.answer = { kind: 'accept' };
        await link.open(server.url);
        expect(link.isOpen).toBe(true);
      });
    });

    describe('abort', () => {
      it('rejects with ERR_ABORTED when the signal aborts during the handshake, and drops the socket', async () => {
        server.answer = { kind: 'hang' };
        const controller = new AbortController();
        const opening = link.open(server.url, undefined, controller.signal);
        const serverSide = await server.socket();
        controller.abort();
        await expect(opening).rejects.toMatchObject({ code: 'ERR_ABORTED' });
        await once(serverSide, 'close');
        expect(link.isOpen).toBe(false);

        server.answer = { kind: 'accept' };
        await link.open(server.url);
        expect(link.isOpen).toBe(true);
      });

      it('rejects at once, without connecting, when the signal is already aborted', async () => {
        await expect(link.open(server.url, undefined, AbortSignal.abort())).rejects.toMatchObject({
          code: 'ERR_ABORTED',
        });
        expect(server.requests).toHaveLength(0);
      });

      it('close() aborts a pending open', async () => {
        server.answer = { kind: 'hang' };
        const opening = link.open(server.url);
        await server.socket();
        await link.close();
        await expect(opening).rejects.toMatchObject({ code: 'ERR_ABORTED' });
        expect(link.isOpen).toBe(false);
      });

      it('gives up after the handshake timeout', async () => {
        server.answer = { kind: 'hang' };
        const impatient = new Link({ onMessage: () => {}, wsOptions: { handshakeTimeout: 20 } });
        const error = await impatient.open(server.url).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(LinkError);
        expect((error as LinkError).reason).toMatch(/timed out/);
        expect(impatient.isOpen).toBe(false);
      });
    });
  });

  describe('send', () => {
    it('rejects with a LinkError before open', async () => {
      await expect(link.send('[]')).rejects.toMatchObject({ code: 'ERR_LINK' });
    });

    it('sends a text frame and resolves once written', async () => {
      const peer = await openLink();
      const arrival = once(peer, 'message');
      await link.send('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]');
      const [data, isBinary] = (await arrival) as [Buffer, boolean];
      expect(isBinary).toBe(false);
      expect(data.toString()).toBe('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]');
    });

    it('rejects after close', async () => {
      await openLink();
      await link.close();
      await expect(link.send('[]')).rejects.toBeInstanceOf(LinkError);
    });
  });

  describe('inbound frames', () => {
    it('decodes binary data frames and hands them to onMessage', async () => {
      const peer = await openLink();
      peer.send(binary(ticker('KRW-BTC')));
      await arrivalOf('KRW-BTC');
      expect(received).toEqual([ticker('KRW-BTC')]);
    });

    it('hands every message of a list frame (JSON_LIST) to onMessage, in order', async () => {
      const peer = await openLink();
      peer.send(binary([ticker('KRW-ETH'), ticker('KRW-XRP'), ticker('KRW-SOL')]));
      await arrivalOf('KRW-SOL');
      expect(received.map((message) => message.code)).toEqual(['KRW-ETH', 'KRW-XRP', 'KRW-SOL']);
    });

    it('emits status, error and subscription frames as control and an invalid one as an ERR_DECODE error, never to onMessage', async () => {
      const controls: ControlFrame[] = [];
      const errors: string[] = [];
      link.on('control', (frame) => controls.push(frame));
      link.on('error', (error) => errors.push(error.code));
      const peer = await openLink();
      peer.send(binary({ status: 'UP' }));
      peer.send(binary({ error: { name: 'WRONG_FORMAT', message: 'bad request' } }));
      peer.send(binary({ method: 'LIST_SUBSCRIPTIONS', result: [], ticket: 't' }));
      peer.send('not json');
      peer.send(binary(ticker('KRW-BTC')));
      await arrivalOf('KRW-BTC');
      expect(controls.map((frame) => frame.kind)).toEqual(['status', 'error', 'subscriptions']);
      expect(errors).toEqual(['ERR_DECODE']);
      expect(controls[1]).toEqual({ kind: 'error', name: 'WRONG_FORMAT', message: 'bad request' });
      expect(received).toHaveLength(1);
    });

    it('counts frames received and frames it could not decode, across sockets', async () => {
      const peer = await openLink();
      expect([link.framesReceived, link.decodeErrors]).toEqual([0, 0]);
      peer.send(binary([ticker('KRW-ETH'), ticker('KRW-XRP')]));
      peer.send('not json');
      peer.send(binary({ status: 'UP' }));
      peer.send(binary(ticker('KRW-BTC')));
      await arrivalOf('KRW-BTC');
      expect([link.framesReceived, link.decodeErrors]).toEqual([4, 1]);
      const throwing = new Link({
        onMessage: collect,
        decode: () => {
          throw new Error('no');
        },
      });
      throwing.on('error', () => {});
      await throwing.open(server.url);
      const second = await server.connection(1);
      second.send(binary(ticker('KRW-SOL')));
      await new Promise<void>((resolve) => {
        const check = (): void => (throwing.decodeErrors === 1 ? resolve() : void setTimeout(check, 5));
        check();
      });
      expect([throwing.framesReceived, throwing.decodeErrors]).toEqual([1, 1]);
      await throwing.close();
    });

    it('uses an injected decoder', async () => {
      const decoded: Buffer[] = [];
      const custom = new Link({
        onMessage: collect,
        decode: (data) => {
          decoded.push(data);
          return { kind: 'message', message: ticker('DECODED') as UpbitMessage };
        },
      });
      await custom.open(server.url);
      const peer = await server.connection();
      peer.send(binary({ anything: true }));
      await arrivalOf('DECODED');
      expect(Buffer.isBuffer(decoded[0])).toBe(true);
      expect(decoded[0]?.toString()).toBe('{"anything":true}');
      await custom.close();
    });

    it('keeps delivering when onMessage throws, reporting each throw as ERR_HANDLER', async () => {
      const throwing = new Link({
        onMessage: (message) => {
          collect(message);
          if (message.code === 'KRW-BAD') throw new Error('handler bug');
        },
      });
      const errors: UpstateError[] = [];
      throwing.on('error', (error) => errors.push(error));
      await throwing.open(server.url);
      const peer = await server.connection();
      peer.send(binary([ticker('KRW-BAD'), ticker('KRW-AFTER')]));
      peer.send(binary(ticker('KRW-LAST')));
      await arrivalOf('KRW-LAST');
      expect(received.map((message) => message.code)).toEqual(['KRW-BAD', 'KRW-AFTER', 'KRW-LAST']);
      expect(errors.map((error) => error.code)).toEqual(['ERR_HANDLER']);
      expect(throwing.isOpen).toBe(true);
      await throwing.close();
    });

    it('keeps a listener that throws out of the socket callback', async () => {
      const errors: UpstateError[] = [];
      link.on('control', () => {
        throw new Error('listener bug');
      });
      link.on('error', (error) => errors.push(error));
      const peer = await openLink();
      peer.send(binary({ status: 'UP' }));
      peer.send(binary(ticker('KRW-BTC')));
      await arrivalOf('KRW-BTC');
      expect(errors.map((error) => error.code)).toEqual(['ERR_HANDLER']);
      expect(link.isOpen).toBe(true);
    });

    it('records when anything last arrived, and emits activity while listened to', async () => {
      const peer = await openLink();
      expect(link.lastInboundAt).toBeUndefined();
      const activity: number[] = [];
      link.on('activity', (at) => activity.push(at));
      peer.send(binary(ticker('KRW-BTC')));
      await arrivalOf('KRW-BTC');
      expect(activity).toHaveLength(1);
      expect(link.lastInboundAt).toBe(activity[0]);
    });
  });

  describe('ping', () => {
    it('sends a protocol ping; the pong counts as activity', async () => {
      const peer = await openLink();
      const pinged = once(peer, 'ping');
      const activity: number[] = [];
      const pong = new Promise<void>((resolve) => link.on('activity', (at) => {
        activity.push(at);
        resolve();
      }));
      link.ping();
      await pinged;
      await pong;
      expect(activity).toHaveLength(1);
      expect(link.lastInboundAt).toBe(activity[0]);
    });

    it('does nothing when not open', () => {
      expect(() => link.ping()).not.toThrow();
    });

    it("counts the server's pings as activity", async () => {
      const peer = await openLink();
      const activity = nextEvent(link, 'activity');
      peer.ping();
      const [at] = await activity;
      expect(link.lastInboundAt).toBe(at);
    });
  });

  describe('close', () => {
    it('closes gracefully with the code given, resolving once closed, and emits close once', async () => {
      const peer = await openLink();
      const closes: LinkCloseInfo[] = [];
      link.on('close', (info) => closes.push(info));
      const serverSaw = once(peer, 'close');
      await link.close(4000, 'linger over');
      expect(link.isOpen).toBe(false);
      const [code, reason] = (await serverSaw) as [number, Buffer];
      expect(code).toBe(4000);
      expect(reason.toString()).toBe('linger over');
      expect(closes).toEqual([{ code: 4000, reason: 'linger over', wasClean: true }]);
      expect(link.lastClose).toEqual(closes[0]);
      expect(link.openedAt).toBeUndefined();
    });

    it('is idempotent: concurrent and repeated calls resolve, one close event', async () => {
      await openLink();
      const closes: LinkCloseInfo[] = [];
      link.on('close', (info) => closes.push(info));
      await Promise.all([link.close(), link.close()]);
      await link.close();
      expect(closes).toHaveLength(1);
      expect(closes[0]?.code).toBe(1000);
    });

    it('resolves at once when nothing is open', async () => {
      await expect(link.close()).resolves.toBeUndefined();
    });

    it('rejects a code an endpoint may not send, and leaves the socket open', async () => {
      await openLink();
      await expect(link.close(1006)).rejects.toBeInstanceOf(OptionError);
      await expect(link.close(2999)).rejects.toBeInstanceOf(OptionError);
      expect(link.isOpen).toBe(true);
    });

    it('drops the socket after closeTimeoutMs when the server never answers the close frame', async () => {
      const stubborn = new Link({ onMessage: () => {}, closeTimeoutMs: 20 });
      await stubborn.open(server.url);
      const peer = await server.connection();
      // Keep the server from answering the close frame: stop reading from its TCP socket.
      (await server.socket()).pause();
      const info = nextEvent(stubborn, 'close');
      await stubborn.close();
      expect(stubborn.isOpen).toBe(false);
      const [{ code, wasClean }] = await info;
      expect(code).toBe(1006);
      expect(wasClean).toBe(false);
      peer.terminate();
    });

    it('waits for a closing socket before opening the next one', async () => {
      await openLink();
      const closing = link.close();
      await link.open(server.url);
      await closing;
      expect(link.isOpen).toBe(true);
      expect(server.requests).toHaveLength(2);
    });

    it('relays the close code and reason the server sends, once', async () => {
      const peer = await openLink();
      const closes: LinkCloseInfo[] = [];
      link.on('close', (info) => closes.push(info));
      const closed = nextEvent(link, 'close');
      peer.close(4001, 'bye');
      await closed;
      await link.close();
      expect(closes).toEqual([{ code: 4001, reason: 'bye', wasClean: true }]);
    });

    it('detects an abrupt termination as code 1006, not clean', async () => {
      const peer = await openLink();
      const closed = nextEvent(link, 'close');
      peer.terminate();
      const [info] = await closed;
      expect(info).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(link.isOpen).toBe(false);
    });

    it('emits a socket error once, then close', async () => {
      await openLink();
      const events: string[] = [];
      const errors: UpstateError[] = [];
      link.on('error', (error) => {
        events.push('error');
        errors.push(error);
      });
      const closed = nextEvent(link, 'close').then(() => events.push('close'));
      // A frame with the reserved opcode 0xF: the client must fail the connection (RFC 6455 §5.2).
      (await server.socket()).write(Buffer.from([0x8f, 0x00]));
      await closed;
      expect(events).toEqual(['error', 'close']);
      expect(errors[0]).toBeInstanceOf(LinkError);
      expect(link.isOpen).toBe(false);
    });
  });

  describe('options', () => {
    it('rejects a missing onMessage, a bad decoder and a bad close timeout with an OptionError', () => {
      expect(() => new Link({} as never)).toThrow(OptionError);
      expect(() => new Link({ onMessage: () => {}, decode: 'json' as never })).toThrow(/`decode`/);
      expect(() => new Link({ onMessage: () => {}, closeTimeoutMs: -1 })).toThrow(/`closeTimeoutMs`/);
    });
  });
});
