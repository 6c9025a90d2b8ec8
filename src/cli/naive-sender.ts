/**
 * The sending the pending flush replaces, modelled honestly for `upstate demo`'s comparison.
 *
 * As in the original ("a new task on every change"), each change starts its own task; the task
 * waits on the connection's message gate (Upbit: 5 per second and 100 per minute), then reads the
 * full desired state as it is at that moment and sends it in one message on a raw WebSocket.
 * Nothing is shared between tasks, so N changes cost N messages and N rate-limit slots.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { encodeRequest } from '../protocol/upbit/encode.js';
import type { DataType, TypeField } from '../protocol/upbit/types.js';
import type { RateGate } from '../rate/gate.js';

export interface NaiveSenderGates {
  /** Passed once, before the socket opens (Upbit: 5 connection requests per second). */
  readonly connect: RateGate;
  /** Passed before every message (Upbit: 5 per second and 100 per minute, per connection). */
  readonly message: RateGate;
}

export class NaiveSender {
  readonly #url: string;
  readonly #gates: NaiveSenderGates;
  readonly #wanted = new Map<DataType, Set<string>>();
  #socket: Promise<WebSocket> | undefined;
  #sent = 0;

  constructor(url: string, gates: NaiveSenderGates) {
    this.#url = url;
    this.#gates = gates;
  }

  /** Messages written to the socket so far. */
  get sent(): number {
    return this.#sent;
  }

  /** One change: `code` is now wanted for `type`. Resolves once this change's own message is written. */
  change(type: DataType, code: string): Promise<void> {
    let codes = this.#wanted.get(type);
    if (codes === undefined) this.#wanted.set(type, (codes = new Set()));
    codes.add(code);
    return this.#sendTask();
  }

  /** Drops the socket (no close handshake: the comparison is over). */
  async close(): Promise<void> {
    const socket = await this.#socket?.catch(() => undefined);
    socket?.terminate();
  }

  async #sendTask(): Promise<void> {
    const socket = await (this.#socket ??= this.#open());
    await this.#gates.message.acquire();
    const fields: TypeField[] = [...this.#wanted].map(([type, codes]) => ({ type, codes: [...codes] }));
    const text = encodeRequest({ ticket: randomUUID(), fields });
    await new Promise<void>((resolve, reject) => socket.send(text, (error) => (error ? reject(error) : resolve())));
    this.#sent++;
  }

  async #open(): Promise<WebSocket> {
    await this.#gates.connect.acquire();
    const socket = new WebSocket(this.#url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    // Once open, a failure surfaces through the callback of the next send.
    socket.on('error', () => {});
    return socket;
  }
}
