import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import type { Link, LinkEvents } from '../../src/transport/link.js';

/** How the test server answers an upgrade request. */
export type Answer =
  | { kind: 'accept' }
  /** Answer with an HTTP status instead of 101, like a rate-limited or blocked Upbit. */
  | { kind: 'refuse'; status: number; statusText: string; headers?: Record<string, string> }
  /** Never answer: the handshake hangs until the client gives up. */
  | { kind: 'hang' };

export interface TestServer {
  readonly url: string;
  /** Upgrade requests in arrival order (headers, path). */
  readonly requests: IncomingMessage[];
  /** Raw TCP sockets of every upgrade request, accepted or not. */
  readonly sockets: Duplex[];
  /** How the next upgrade requests are answered. @default { kind: 'accept' } */
  answer: Answer;
  /** The `index`-th accepted WebSocket, once it exists. */
  connection(index?: number): Promise<WebSocket>;
  /** The `index`-th upgrade request's raw socket, once it exists. */
  socket(index?: number): Promise<Duplex>;
  close(): Promise<void>;
}

/** A WebSocket server on 127.0.0.1, port 0, that the test controls frame by frame. */
export async function startServer(wsOptions: Omit<ServerOptions, 'noServer' | 'port' | 'server'> = {}): Promise<TestServer> {
  const http = createServer();
  const wss = new WebSocketServer({ ...wsOptions, noServer: true });
  const requests: IncomingMessage[] = [];
  const sockets: Duplex[] = [];
  const connections: WebSocket[] = [];
  const arrivals = new Set<() => void>();
  const arrived = () => {
    for (const notify of arrivals) notify();
  };
  const waitFor = <T>(list: T[], index: number): Promise<T> =>
    new Promise((resolve) => {
      const check = () => {
        const item = list[index];
        if (item === undefined) return;
        arrivals.delete(check);
        resolve(item);
      };
      arrivals.add(check);
      check();
    });

  const server: TestServer = {
    url: '',
    requests,
    sockets,
    answer: { kind: 'accept' },
    connection: (index = 0) => waitFor(connections, index),
    socket: (index = 0) => waitFor(sockets, index),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve())));
    },
  };

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    requests.push(request);
    sockets.push(socket);
    socket.on('error', () => {});
    arrived();
    const answer = server.answer;
    if (answer.kind === 'hang') {
      // Read nothing, answer nothing; just notice when the client gives up.
      socket.on('end', () => socket.destroy());
      socket.resume();
      return;
    }
    if (answer.kind === 'refuse') {
      const headers = Object.entries(answer.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.end(
        `HTTP/1.1 ${answer.status} ${answer.statusText}\r\n${headers.join('')}Connection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      connections.push(ws);
      arrived();
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(server, { url: `ws://127.0.0.1:${port}` });
}

/** Resolves with the arguments of the link's next `event`. */
export function nextEvent<E extends keyof LinkEvents>(link: Link, event: E): Promise<LinkEvents[E]> {
  return new Promise((resolve) => {
    (link.once as (event: E, listener: (...args: LinkEvents[E]) => void) => Link)(event, (...args) => resolve(args));
  });
}
