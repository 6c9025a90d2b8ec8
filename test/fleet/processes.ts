/**
 * Child processes of the fleet tests: fleet clients (client-process.ts) and `upstate gateway`
 * itself (the CLI, through tsx), each killed by the test that started it.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Spec } from '../../src/registry/index.js';

const CLIENT = fileURLToPath(new URL('./client-process.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = ['--import', 'tsx'];

export interface ClientSetup {
  readonly nats: string;
  readonly user?: string;
  readonly pass?: string;
  readonly specs: readonly Spec[];
  readonly leaseMs?: number;
  readonly renewMs?: number;
  readonly privateStreams?: boolean;
}

/** A fleet client in its own process, and what it reported. */
export class ClientProcess {
  readonly child: ChildProcess;
  seen: Record<string, number> = {};
  /** Realtime trades this client received twice. */
  duplicates = 0;
  /** Frames it dropped as coming from a deposed gateway. */
  stale = 0;
  /** Its `gateway` events: a standby took over. */
  readonly gatewayChanges: { epoch: number; previous: number; gapMs: number }[] = [];
  settled: { at: number } | undefined;
  unsettled: { code: string; message: string } | undefined;
  readonly errors: { code: string; message: string }[] = [];
  readonly loaded: Promise<void>;

  constructor(readonly setup: ClientSetup) {
    this.child = fork(CLIENT, [], {
      execArgv: TSX,
      env: { ...process.env, UPSTATE_FLEET_CLIENT: JSON.stringify(setup) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.loaded = new Promise((resolve, reject) => {
      this.child.on('message', (message: { t: string }) => {
        if (message.t === 'loaded') resolve();
      });
      this.child.once('exit', (code) => reject(new Error(`a fleet client process exited with ${code} before loading`)));
    });
    this.child.on('message', (message: { t: string; seen?: Record<string, number>; duplicates?: number; stale?: number; change?: { epoch: number; previous: number; gapMs: number }; at?: number; code?: string; message?: string }) => {
      if (message.t === 'seen') {
        this.seen = message.seen!;
        this.duplicates = message.duplicates ?? 0;
        this.stale = message.stale ?? 0;
      } else if (message.t === 'gateway') this.gatewayChanges.push(message.change!);
      else if (message.t === 'settled') this.settled = { at: message.at! };
      else if (message.t === 'unsettled') this.unsettled = { code: message.code!, message: message.message! };
      else if (message.t === 'error') this.errors.push({ code: message.code!, message: message.message! });
    });
  }

  /** Starts the client (its process has loaded). */
  go(): void {
    this.child.send({ t: 'go' });
  }

  /** The `type code` keys this client asked for. */
  get keys(): string[] {
    return this.setup.specs.flatMap((spec) => (spec.codes ?? ['']).map((code) => `${spec.type} ${code}`));
  }

  /** Total messages seen so far. */
  get total(): number {
    return Object.values(this.seen).reduce((a, b) => a + b, 0);
  }

  /** SIGKILL: no goodbye reaches the gateway. */
  kill9(): Promise<void> {
    return killWith(this.child, 'SIGKILL');
  }

  /** Asks the client to close (IPC disconnect), then waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Starts clients in their own processes, waits until all have loaded, then starts them all at once. */
export async function startTogether(clients: readonly ClientProcess[]): Promise<number> {
  await Promise.all(clients.map((c) => c.loaded));
  const at = Date.now();
  for (const c of clients) c.go();
  return at;
}

/** A role line an `upstate gateway` process printed, and when the test read it. */
export interface RoleSeen {
  readonly role: string;
  readonly epoch: number;
  readonly at: number;
}

const rolesOf = new WeakMap<ChildProcess, RoleSeen[]>();
const outputOf = new WeakMap<ChildProcess, { text: string }>();

/** Everything an `upstate gateway` process printed on stdout so far. */
export function gatewayOutput(child: ChildProcess): string {
  return outputOf.get(child)?.text ?? '';
}

/** Every role an `upstate gateway` process printed so far (`role     active (epoch 7)`), oldest first. */
export function gatewayRoles(child: ChildProcess): readonly RoleSeen[] {
  return rolesOf.get(child) ?? [];
}

/** The role it printed last. */
export function gatewayRole(child: ChildProcess): string | undefined {
  return gatewayRoles(child).at(-1)?.role;
}

/** `upstate gateway` in its own process; resolves once it serves. */
export async function startGatewayProcess(args: readonly string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...TSX, CLI, 'gateway', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const roles: RoleSeen[] = [];
  rolesOf.set(child, roles);
  const output = { text: '' };
  outputOf.set(child, output);
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output.text += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const match = /^\s*role\s+(\w+) \(epoch (\d+)/.exec(line);
      if (match) roles.push({ role: match[1]!, epoch: Number(match[2]), at: Date.now() });
    }
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`upstate gateway did not start within 60 s: ${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('serving the fleet')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`upstate gateway exited with ${code}: ${out}`));
    });
  });
  child.stdout!.resume();
  return child;
}

export function killWith(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return exited;
}
