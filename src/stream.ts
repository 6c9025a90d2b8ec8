import { OptionError, UpstateError } from './errors.js';
import type { DataType, MessageOf, UpbitMessage } from './protocol/upbit/types.js';
import type { Spec } from './registry/spec.js';

export interface StreamOptions {
  /** Ends the stream (and its subscription) when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Messages buffered for a consumer that lags. Past it, ticker and orderbook are conflated to the
   * latest value per code; any other type ends the stream with `ERR_STREAM_OVERFLOW`.
   * @default 1024
   */
  readonly highWaterMark?: number;
}

/** Types whose messages are full states, so an older one is worthless once a newer one exists. */
const CONFLATABLE: ReadonlySet<DataType> = new Set(['ticker', 'orderbook']);

function conflationKey(message: UpbitMessage): string {
  return message.type === 'orderbook' ? `${message.code}|${message.level}` : message.code;
}

/**
 * A subscription as an async iterator with a bounded buffer.
 * `subscribe` is the orchestrator's; it returns the function that unsubscribes, and is handed
 * `end`, which ends the stream as an abort does (the orchestrator calls it on `close()`).
 * With `options.signal` already aborted, nothing is subscribed and the stream is over at once.
 */
export function createStream<T extends DataType>(
  subscribe: (spec: Spec<T>, handler: (message: MessageOf<T>) => void, end: () => void) => () => void,
  spec: Spec<T>,
  options: StreamOptions = {},
): AsyncIterableIterator<MessageOf<T>> {
  const highWaterMark = options.highWaterMark ?? 1024;
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
    throw new OptionError('highWaterMark', highWaterMark, 'a whole number >= 1');
  }
  const conflatable = CONFLATABLE.has(spec.type);
  const buffer: MessageOf<T>[] = [];
  let pending: ((result: IteratorResult<MessageOf<T>>) => void) | undefined;
  let failPending: ((error: unknown) => void) | undefined;
  let failure: UpstateError | undefined;
  let done = false;

  const push = (message: MessageOf<T>): void => {
    if (done) return;
    if (pending) {
      const resolve = pending;
      pending = failPending = undefined;
      resolve({ value: message, done: false });
      return;
    }
    if (buffer.length < highWaterMark) {
      buffer.push(message);
      return;
    }
    if (conflatable) {
      // Lagging: the latest value takes the place of the newest queued one of its code, so the
      // consumer never sees an older value of a code after a newer one.
      const key = conflationKey(message as UpbitMessage);
      let at = buffer.length - 1;
      while (at >= 0 && conflationKey(buffer[at] as UpbitMessage) !== key) at--;
      if (at >= 0) {
        buffer[at] = message;
        return;
      }
      // A code with nothing queued yet: the queue may exceed the mark by at most the spec's codes.
      buffer.push(message);
      return;
    }
    failure = new UpstateError(
      'ERR_STREAM_OVERFLOW',
      `The ${spec.type} stream overflowed its highWaterMark of ${highWaterMark}: the consumer fell behind and ${spec.type} messages are never dropped silently`,
    );
    finish();
  };

  let unsubscribe: () => void = () => {};
  const onAbort = (): void => finish();
  function finish(): void {
    if (done) return;
    done = true;
    unsubscribe();
    options.signal?.removeEventListener('abort', onAbort);
    if (pending) {
      const resolve = pending;
      const reject = failPending!;
      pending = failPending = undefined;
      if (failure && buffer.length === 0) reject(failure);
      else resolve({ value: undefined, done: true });
    }
  }
  // An aborted signal subscribes nothing: no change reaches the registry, no connection starts.
  if (options.signal?.aborted) done = true;
  else {
    unsubscribe = subscribe(spec, push, finish);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  }

  const iterator: AsyncIterableIterator<MessageOf<T>> = {
    next(): Promise<IteratorResult<MessageOf<T>>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (failure) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        pending = resolve;
        failPending = reject;
      });
    },
    return(): Promise<IteratorResult<MessageOf<T>>> {
      buffer.length = 0;
      failure = undefined;
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
