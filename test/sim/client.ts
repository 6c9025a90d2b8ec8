/**
 * A raw `ws` client for the exchange tests: collects every frame, and lets a test await the next
 * frame, a frame matching a predicate, the close, or a round trip — never a sleep.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { afterEach } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import { createToken, type JwtAlgorithm, type UpbitCredentials } from '../../src/protocol/upbit/jwt.js';

export interface Frame {
  readonly binary: boolean;
  readonly text: string;
  /** Parsed JSON, or `undefined` when the frame is not JSON. */
  readonly json: unknown;
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

const open = new Set<WebSocket>();

/** Every client a test opened is terminated after it, whatever happened. */
afterEach(() => {
  for (const ws of open) ws.terminate();
  open.clear();
});

export class TestClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<Closed>;
  private cursor = 0;
  private readonly waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, binary) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.frames.push({ binary, text, json: parseJson(text) });
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        open.delete(ws);
        resolve({ code, reason: reason.toString() });
        this.notify();
      });
    });
  }

  /** Sends a value as JSON, or a string as is. */
  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** The next frame not yet read. */
  next(): Promise<Frame> {
    return this.until(() => true);
  }

  /** The next `count` frames not yet read. */
  async take(count: number): Promise<Frame[]> {
    const taken: Frame[] = [];
    for (let i = 0; i < count; i++) taken.push(await this.next());
    return taken;
  }

  /** Reads frames until one matches (the ones before it are consumed too). Rejects if the socket closes first. */
  until(predicate: (frame: Frame) => boolean): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        while (this.cursor < this.frames.length) {
          const frame = this.frames[this.cursor++] as Frame;
          if (predicate(frame)) {
            this.waiters.delete(check);
            resolve(frame);
            return;
          }
        }
        if (this.ws.readyState === WebSocket.CLOSED) {
          this.waiters.delete(check);
          reject(new Error('socket closed before a matching frame arrived'));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Frames received but not read yet (consumes them). */
  drain(): Frame[] {
    const rest = this.frames.slice(this.cursor);
    this.cursor = this.frames.length;
    return rest;
  }

  /**
   * A protocol ping and its pong: everything the server sent before answering has arrived when
   * this resolves (one TCP stream, in order). Pings do not count against the message limits.
   */
  roundTrip(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('pong', () => resolve());
      this.ws.ping();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Opens a client and waits for the handshake; rejects when the upgrade is refused. */
export function connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, options);
  open.add(ws);
  const client = new TestClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

/** An upgrade the server refused: its HTTP status and body. */
export interface Refusal {
  readonly status: number;
  readonly body: string;
  readonly headers: IncomingMessage['headers'];
}

/** Attempts a handshake that the test expects to be refused; rejects if it is accepted. */
export function connectRefused(url: string, options: ClientOptions = {}): Promise<Refusal> {
  const ws = new WebSocket(url, options);
  open.add(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', () => {
      // Reported through 'unexpected-response' below; ws also emits an error when aborting.
    });
    ws.once('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.once('end', () => {
        request.destroy();
        open.delete(ws);
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers });
      });
    });
  });
}

/** Handshake options carrying `Authorization: Bearer <JWT>` for the private endpoint. */
export function bearer(
  credentials: UpbitCredentials,
  options: { algorithm?: JwtAlgorithm; nonce?: string } = {},
): ClientOptions {
  return { headers: { Authorization: `Bearer ${createToken(credentials, options)}` } };
}

/** A subscription request with a fixed ticket. */
export function request(fields: readonly object[], format?: string): unknown[] {
  return [{ ticket: 'test' }, ...fields, ...(format === undefined ? [] : [{ format }])];
}

/** The JSON object of a frame, for assertions. */
export function jsonOf(frame: Frame): Record<string, unknown> {
  if (typeof frame.json !== 'object' || frame.json === null) throw new Error(`frame is not a JSON object: ${frame.text}`);
  return frame.json as Record<string, unknown>;
}
