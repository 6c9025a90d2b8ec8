/**
 * One HTTP server, three paths: `/` the live page, `/events` its stream (server-sent events),
 * `/metrics` for Prometheus, `/healthz` for probes. It listens on 127.0.0.1 unless told
 * otherwise and never makes a request of its own: the page, its script and the chart layouts
 * all come from here. Its packages (elkjs, prom-client) are optional peers, loaded before anything starts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyStateMachine, InspectionEvent } from 'xstate';
import { OptionError } from '../errors.js';
import { importPeer, type OptionalPeer } from '../optional.js';
import { CHART_PEER, type Chart, layoutChart } from './chart.js';
import { type Health, healthOf, healthOfGateway } from './health.js';
import type { OrchestratorStats } from '../orchestrator.js';
import { currentInspection, machineOf, machinesOf, toInspectionJson } from './inspection.js';
import { METRICS_PEER, type MetricsRegistry, registerMetrics } from './metrics.js';
import { livePage } from './page.js';
import type { LiveSource } from './source.js';

export interface LiveViewOptions {
  /** The port to listen on; 0 picks a free one (read it from `port` or `url`). @default 0 */
  readonly port?: number;
  /** The address to listen on. Anything but loopback exposes the page and metrics to the network. @default '127.0.0.1' */
  readonly host?: string;
  /** Strings that must never reach the page (a secret key): redacted from every event. @default [] */
  readonly secrets?: readonly string[];
  /** How often the page gets `stats()`. @default 1000 */
  readonly statsIntervalMs?: number;
  /**
   * The registry `/metrics` serves; upstate's metrics are added to it (a service's own metrics
   * then show on the same page). @default a new Registry (never prom-client's global one)
   */
  readonly registry?: MetricsRegistry;
  /** Shown in the page's header and title. @default 'upstate' */
  readonly title?: string;
}

export interface LiveView {
  /** `http://host:port/`, the page's address. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Pages connected right now. */
  readonly clients: number;
  /** Ends every page's stream, stops listening and detaches from the orchestrator. Idempotent. */
  close(): Promise<void>;
}

/** Everything the live view needs beyond upstate's own dependencies: the charts' layout and `/metrics`. */
export const LIVE_VIEW_PEER: OptionalPeer<unknown> = {
  feature: 'The live view (serveLiveView, upstate demo --ui, upstate watch --ui)',
  packages: ['elkjs', 'prom-client'],
  load: () => Promise.all([CHART_PEER.load(), METRICS_PEER.load()]),
};

/** A page whose stream has this much unsent data is too slow: it is dropped and catches up on reconnect. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How soon a page's EventSource retries after the server went away. */
const RETRY_MS = 1_000;

/**
 * Serves the live page, `/metrics` and `/healthz` for `source` (an `Orchestrator`, a fleet
 * gateway's `gateway.live`, or anything with their `actor` and `stats()`). Resolves once
 * listening. Bad options throw `OptionError`; without elkjs or prom-client installed it throws
 * `PeerMissingError` (`ERR_PEER_MISSING`).
 */
export async function serveLiveView(source: LiveSource, options: LiveViewOptions = {}): Promise<LiveView> {
  const { port = 0, host = '127.0.0.1', secrets = [], statsIntervalMs = 1_000, title = 'upstate' } = options;
  if (typeof source !== 'object' || source === null || typeof source.stats !== 'function' || typeof source.actor?.system?.inspect !== 'function') {
    throw new OptionError('source', source, 'an Orchestrator, a fleet gateway\'s `gateway.live` (or an object with `actor` and `stats()`)');
  }
  if (source.gateway !== undefined && typeof source.gateway !== 'function') throw new OptionError('source.gateway', source.gateway, 'a function returning the gateway\'s status');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new OptionError('port', port, 'a whole number from 0 to 65535');
  if (typeof host !== 'string' || host === '') throw new OptionError('host', host, 'a host name or address');
  if (!Number.isFinite(statsIntervalMs) || statsIntervalMs < 50) throw new OptionError('statsIntervalMs', statsIntervalMs, 'a number of milliseconds >= 50');
  if (!Array.isArray(secrets) || !secrets.every((s) => typeof s === 'string')) throw new OptionError('secrets', secrets, 'an array of strings');
  if (typeof title !== 'string') throw new OptionError('title', title, 'a string');
  // Both packages, before anything starts: the one install command the error gives adds both.
  await importPeer(LIVE_VIEW_PEER);

  const hello = { type: 'upstate.hello', label: `${title} · started ${new Date().toISOString().slice(11, 19)} UTC`, startedAt: Date.now() };
  const clients = new Set<ServerResponse>();
  const broadcast = (message: unknown): void => {
    if (clients.size === 0) return;
    const frame = `data: ${JSON.stringify(message)}\n\n`;
    for (const client of clients) send(client, frame);
  };
  const send = (client: ServerResponse, frame: string): void => {
    if (client.writableLength > MAX_BUFFERED_BYTES) {
      clients.delete(client);
      client.destroy();
      return;
    }
    client.write(frame);
  };

  const charts = new Map<string, Promise<Chart>>();
  const chartOf = (machine: AnyStateMachine): Promise<Chart> => {
    let chart = charts.get(machine.id);
    if (!chart) {
      chart = layoutChart(machine);
      charts.set(machine.id, chart);
      // A machine first seen live (spawned later): every page needs its chart.
      void chart.then((c) => broadcast({ type: 'upstate.chart', chart: c }), () => undefined);
    }
    return chart;
  };
  await Promise.all(machinesOf(source.actor).map(chartOf));
  // After the layouts, which may fail: nothing is added to the caller's registry unless the view starts.
  const metrics = await registerMetrics(source, options.registry ? { registry: options.registry } : {});

  const inspection = source.actor.system.inspect((event: InspectionEvent) => {
    if (clients.size === 0) return;
    // This runs inside the actors' own processing: nothing the view does may throw into them.
    try {
      if (event.type === '@xstate.actor') {
        const machine = machineOf(event.actorRef as { logic?: unknown });
        if (machine) void chartOf(machine);
      }
      const json = toInspectionJson(event, secrets);
      if (json) broadcast(json);
    } catch {
      // An event that cannot be shown is left out; the next snapshot brings the page up to date.
    }
  });
  const statsMessage = () => ({ type: 'upstate.stats', at: Date.now(), stats: source.stats() });
  const ticker = setInterval(() => {
    if (clients.size === 0) return;
    try {
      broadcast(statsMessage());
    } catch {
      // A source that stopped (a closed orchestrator) has no figures: the page keeps the last ones.
    }
  }, statsIntervalMs);
  ticker.unref();

  const openStream = async (res: ServerResponse): Promise<void> => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    send(res, `data: ${JSON.stringify(hello)}\n\n`);
    // Machines spawned since the server started (while no page listened) are laid out now.
    await Promise.all(machinesOf(source.actor).map(chartOf));
    for (const chart of await Promise.all(charts.values())) send(res, `data: ${JSON.stringify({ type: 'upstate.chart', chart })}\n\n`);
    if (res.destroyed) return;
    // The present first, then live events: nothing can come in between (this runs synchronously).
    for (const event of currentInspection(source.actor, secrets)) send(res, `data: ${JSON.stringify(event)}\n\n`);
    try {
      send(res, `data: ${JSON.stringify(statsMessage())}\n\n`);
    } catch {
      // No figures from a stopped source; the charts still show its last states.
    }
    clients.add(res);
    res.on('close', () => clients.delete(res));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    switch (path) {
      case '/':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(livePage(title));
        return;
      case '/events':
        await openStream(res);
        return;
      case '/metrics': {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
        return;
      }
      case '/healthz': {
        const health = healthOfSource(source);
        res.writeHead(health.status === 'ok' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(`${JSON.stringify(health)}\n`);
        return;
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    inspection.unsubscribe();
    clearInterval(ticker);
    metrics.remove();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    host: address.address,
    get clients() {
      return clients.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        inspection.unsubscribe();
        clearInterval(ticker);
        for (const client of clients) client.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        // Only when the caller's registry was used do the metrics need taking out again.
        if (options.registry) metrics.remove();
      });
      return closing;
    },
  };
}

/**
 * `healthOf(source.stats())` (`healthOfGateway` for a fleet gateway), or `stopped` once the
 * source's actor has stopped (it was closed).
 */
function healthOfSource(source: LiveSource): Health {
  if (source.actor.getSnapshot().status === 'stopped') return { status: 'unavailable', reason: 'stopped', failing: [], connections: {} };
  return source.gateway === undefined ? healthOf(source.stats()) : healthOfGateway(source.gateway(), source.stats());
}
