/** A subscriber for tests, so that they await a message instead of sleeping. */
import { EventEmitter } from 'eventemitter3';
import type { UpbitMessage } from '../../src/protocol/upbit/types.js';
import { waitUntil } from './wait.js';

/**
 * A subscriber that keeps what it receives and lets a test await a message instead of sleeping.
 * Pass `inbox.handler` to `subscribe`/`register` (or anything else that calls back).
 */
export class Inbox<M = UpbitMessage> extends EventEmitter<{ message: [message: M] }> {
  readonly messages: M[] = [];
  readonly handler = (message: M): void => {
    this.messages.push(message);
    this.emit('message', message);
  };

  /** Messages received so far that satisfy `predicate`. */
  count(predicate: (message: M) => boolean = () => true): number {
    return this.messages.filter(predicate).length;
  }

  /** Resolves once `count` messages satisfying `predicate` have arrived (counting those already here). */
  async until(predicate: (message: M) => boolean, count = 1, what = 'messages'): Promise<M[]> {
    await waitUntil(() => this.count(predicate) >= count, [[this, 'message']], `${count} ${what}`);
    return this.messages.filter(predicate);
  }
}
