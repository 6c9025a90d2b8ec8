/**
 * A real `nats-server` for the fleet tests: the binary outside-binaries.ts finds, on 127.0.0.1
 * and a free port, with its own config file, stoppable and restartable on the same port. A suite
 * checks first that the binary is there (`requireBinary(NATS_SERVER, …)`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { NATS_SERVER } from './outside-binaries.js';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** SIGTERM, and waits until the port is free. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same config; does nothing while it runs. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for nats-server to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts nats-server with `config` (NATS config text, without `listen`) added to its file; with
 * `jetstream`, JetStream on, its store in the same temp folder (so it survives a restart).
 */
export async function startNatsServer(config = '', options: { jetstream?: boolean } = {}): Promise<NatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'upstate-nats-'));
  const file = join(dir, 'nats.conf');
  const jetstream = options.jetstream ? `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }\n` : '';
  writeFileSync(file, `listen: "127.0.0.1:${port}"\n${jetstream}${config}\n`);
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
    const proc = spawn(NATS_SERVER.path, ['-c', file], { stdio: 'ignore' });
    child = proc;
    await waitForPort(port, true);
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One nats-server for the describe block this is called in: started before its first test, closed
 * after its last. The returned server stands for it inside the tests (and their hooks).
 */
export function natsServerForSuite(config = '', options: { jetstream?: boolean; startTimeoutMs?: number } = {}): NatsServer {
  let server: NatsServer | undefined;
  beforeAll(async () => {
    server = await startNatsServer(config, options);
  }, options.startTimeoutMs);
  afterAll(async () => {
    await server?.close();
  });
  const started = (): NatsServer => {
    if (server === undefined) throw new Error('natsServerForSuite: nats-server has not started (use it inside the tests of its describe block)');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get port() {
      return started().port;
    },
    start: async () => started().start(),
    stop: async () => started().stop(),
    close: async () => started().close(),
  };
}

/** Polls until the port accepts (or refuses) connections; 10 s at most. */
async function waitForPort(port: number, open: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const accepts = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepts === open) return;
    if (Date.now() > deadline) throw new Error(`nats-server: port ${port} did not ${open ? 'open' : 'close'} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
