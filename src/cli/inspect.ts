/**
 * `--inspect` and `--trace`: an XState inspection observer for the orchestrator that feeds the
 * Stately inspector (served locally by @statelyai/inspect) and/or a JSON-lines file. The
 * inspector package is an optional peer dependency, imported only here, lazily (src/optional.ts):
 * without it, `--inspect` fails with a message saying how to install it. Its local server serves a page
 * that loads the inspector UI from stately.ai, so the page needs the internet.
 */
import { createServer, Socket } from 'node:net';
import type { InspectionEvent } from 'xstate';
import { importPeer, type OptionalPeer } from '../optional.js';
import { UsageError } from './args.js';
import { INSPECTOR_JSON, TraceFile, toSafeJson } from './trace.js';

export interface InspectionOptions {
  /** Serve the Stately inspector and send it every event. */
  readonly inspect: boolean;
  /** Port of the inspector's page and socket. @default a free port */
  readonly port?: number;
  /** Write every event to this file as JSON lines. */
  readonly trace?: string;
  /** Strings that must never leave the process (the secret key). */
  readonly secrets: readonly string[];
}

export interface Inspection {
  /** The orchestrator's `inspect` option; `undefined` when neither output is on. */
  readonly observer: ((event: InspectionEvent) => void) | undefined;
  /** The page to open in a browser, with `inspect`. */
  readonly url: string | undefined;
  /** Lines written to the trace so far. */
  traced(): number;
  /** Stops the inspector and its server, closes the trace. */
  close(): Promise<void>;
}

/** How long `close()` waits for the inspector's socket to finish opening before stopping it. */
const SOCKET_SETTLE_MS = 2_000;

export async function startInspection(options: InspectionOptions): Promise<Inspection> {
  const trace = options.trace === undefined ? undefined : new TraceFile(options.trace, options.secrets);
  const inspector = options.inspect ? await startInspector(options.port, options.secrets) : undefined;
  const sinks: ((event: InspectionEvent) => void)[] = [];
  if (trace) sinks.push((event) => trace.write(event));
  if (inspector) sinks.push((event) => inspector.next(event));
  return {
    observer:
      sinks.length === 0
        ? undefined
        : (event) => {
            for (const sink of sinks) sink(event);
          },
    url: inspector?.url,
    traced: () => trace?.lines ?? 0,
    async close() {
      trace?.close();
      await inspector?.stop();
    },
  };
}

async function startInspector(requestedPort: number | undefined, secrets: readonly string[]) {
  const port = requestedPort ?? (await freePort());
  // createInspectorServer cannot report a busy port (its listen error is unhandled): check first.
  if (requestedPort !== undefined && !(await isFree(port))) throw new UsageError(`--inspect-port ${port} is already in use`);
  const [{ createInspectorServer }, { createWebSocketInspector }] = await importPeer(INSPECTOR_PEER);
  const server = createInspectorServer({ port, autoOpen: false });
  // The inspector's socket retries only after 5 s: connect once the server listens.
  await untilListening(port);
  const inspector = createWebSocketInspector({
    url: `ws://127.0.0.1:${port}`,
    // Its own shapes kept, every string redacted.
    serialize: (event) => toSafeJson(event, secrets, INSPECTOR_JSON) as typeof event,
  });
  const socket = (): { readyState?: number; once?: (event: string, listener: () => void) => void } | undefined =>
    (inspector.adapter as unknown as { ws?: { readyState?: number } }).ws;
  return {
    url: `http://localhost:${port}`,
    next: (event: InspectionEvent) => inspector.inspect.next?.(event),
    async stop() {
      // Stopping a socket that is still connecting makes the adapter retry forever: let it settle.
      const ws = socket();
      if (ws?.readyState === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, SOCKET_SETTLE_MS);
          const done = (): void => {
            clearTimeout(timer);
            resolve();
          };
          ws.once?.('open', done);
          ws.once?.('close', done);
        });
      }
      inspector.stop();
      server.stop();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

/** Resolves once something accepts connections on 127.0.0.1:`port` (checked every 20 ms, for up to 2 s). */
async function untilListening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (accepted) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the inspector server did not start on port ${port}`);
}

/** The optional package `--inspect` needs; a library user never installs it. */
export const INSPECTOR_PEER: OptionalPeer<[typeof import('@statelyai/inspect/server'), typeof import('@statelyai/inspect')]> = {
  feature: '--inspect',
  packages: ['@statelyai/inspect'],
  hint: '(or record the run with --trace FILE)',
  load: () => Promise.all([import('@statelyai/inspect/server'), import('@statelyai/inspect')]),
};

/** The line that tells where the inspector is, and what its page needs. */
export function inspectorNotice(url: string): string {
  return `Stately inspector: open ${url} (the page loads the inspector from stately.ai: offline it stays blank)\n`;
}
