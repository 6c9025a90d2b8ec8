/**
 * The listening side: an HTTP server whose upgrades are decided by the gate, then either refused
 * with a plain HTTP response (404, 401, 429, …) or handed to `ws`. Plain HTTP requests get 426
 * on the WebSocket paths and 404 elsewhere.
 */
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { PRIVATE_PATH, PUBLIC_PATH } from './handle.js';
import type { UpgradeDecision } from './upgrade-gate.js';

type Accepted = Extract<UpgradeDecision, { accept: true }>;
type Refused = Extract<UpgradeDecision, { accept: false }>;

export interface ServerHooks {
  readonly decide: (request: IncomingMessage) => UpgradeDecision;
  readonly onAccepted: (socket: WebSocket, request: IncomingMessage, decision: Accepted) => void;
  readonly onRefused: (request: IncomingMessage, decision: Refused) => void;
}

export interface ListeningServer {
  readonly port: number;
  /** Stops listening and releases every socket; resolves once the listener is closed. */
  close(): Promise<void>;
}

export async function listen(host: string, port: number, hooks: ServerHooks): Promise<ListeningServer> {
  // Upbit answers protocol pings itself; autoPong is off so the silence fault can withhold pongs.
  const wss = new WebSocketServer({ noServer: true, autoPong: false, clientTracking: false });
  const http = createServer(httpOnRequest);
  const pending = new Set<Duplex>();

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', socketOnError);
    const decision = hooks.decide(request);
    if (!decision.accept) {
      hooks.onRefused(request, decision);
      refuseUpgrade(socket, decision);
      return;
    }
    pending.add(socket);
    wss.handleUpgrade(request, socket, head, (ws) => {
      pending.delete(socket);
      hooks.onAccepted(ws, request, decision);
    });
    socket.once('close', () => pending.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });

  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of pending) socket.destroy();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

function httpOnRequest(request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://exchange.invalid').pathname;
  const status = path === PUBLIC_PATH || path === PRIVATE_PATH ? 426 : 404;
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  response.end(STATUS_CODES[status]);
}

/** A refused handshake: a complete HTTP response, then the socket is closed (as `ws` itself does). */
function refuseUpgrade(socket: Duplex, decision: Refused): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${decision.reason}\n`;
  const headers = [
    `HTTP/1.1 ${decision.status} ${STATUS_CODES[decision.status] ?? 'Refused'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (decision.retryAfterMs !== undefined) headers.push(`Retry-After: ${Math.max(1, Math.ceil(decision.retryAfterMs / 1000))}`);
  if (decision.status === 401) headers.push('WWW-Authenticate: Bearer');
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

function socketOnError(this: Duplex): void {
  this.destroy();
}
