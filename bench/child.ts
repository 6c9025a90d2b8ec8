/** Forked bench processes and their IPC messages, awaited one at a time by the key they carry. */
import { type ChildProcess, fork } from 'node:child_process';

export class Channel {
  readonly #queue: Record<string, unknown>[] = [];
  #waiting: (() => void) | undefined;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message) => {
      this.#queue.push(message as Record<string, unknown>);
      this.#waiting?.();
    });
  }

  send(message: object): void {
    this.child.send(message);
  }

  /** The value under `key` of the next message carrying it; rejects on a `failed` message or an early exit. */
  async next<T>(key: string): Promise<T> {
    for (;;) {
      const index = this.#queue.findIndex((message) => key in message);
      if (index >= 0) return this.#queue.splice(index, 1)[0]![key] as T;
      const failed = this.#queue.find((message) => 'failed' in message);
      if (failed !== undefined) throw new Error(`bench child: ${String(failed.failed)}`);
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`bench child exited (${this.child.exitCode ?? this.child.signalCode}) before sending ${key}`);
      }
      let onExit = (): void => {};
      await new Promise<void>((resolve) => {
        this.#waiting = onExit = resolve;
        this.child.once('exit', onExit);
      });
      // Woken by a message: the exit listener goes, or a long-lived child collects one per wait.
      this.child.off('exit', onExit);
      this.#waiting = undefined;
    }
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

/** Forks a bench script with this process's loader flags (tsx) and an IPC channel. */
export function forkBench(file: string, args: readonly string[] = []): Channel {
  return new Channel(fork(file, [...args], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}
