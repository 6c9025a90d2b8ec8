import { SpecError, UpstateError } from './errors.js';
import type { DataType, MessageOf, UpbitMessage } from './protocol/upbit/types.js';
import type { Registry } from './registry/index.js';
import { normalizeSpec, normalizeSpecs, type NormalizedSpec, type Spec } from './registry/spec.js';
import type { Router } from './router/index.js';
import { createStream, type StreamOptions } from './stream.js';

export type Handler<T extends DataType = DataType> = (message: MessageOf<T>) => void;

/** A live subscription. `using sub = upbit.subscribe(…)` unsubscribes at the end of the scope. */
export interface Subscription {
  readonly id: string;
  /** Stops delivery at once; the exchange stops streaming what nobody else wants. Idempotent. */
  unsubscribe(): void;
  [Symbol.dispose](): void;
}

export interface SubscribersOptions {
  readonly registry: Registry;
  readonly router: Router;
  /** Throws once the owner is closed. */
  readonly assertOpen: () => void;
  /** Why private specs cannot be served here (the `SpecError`'s reason), or undefined when they can. */
  readonly privateRefusal: string | undefined;
}

/**
 * What subscribers ask for, kept in step in the router (who gets which frame) and the registry
 * (what the exchange must send): the subscriber-facing half shared by the orchestrator and the
 * fleet client.
 */
export class Subscribers {
  readonly #options: SubscribersOptions;
  /** Ends each live stream; called on close, so no consumer is left waiting. */
  readonly #streamEnds = new Set<() => void>();
  #nextId = 0;

  constructor(options: SubscribersOptions) {
    this.#options = options;
  }

  subscribe<T extends DataType>(spec: Spec<T>, handler: Handler<T>): Subscription {
    this.#options.assertOpen();
    assertHandler(handler);
    // One spec: its errors name its own fields (`codes[0]`), not `specs[0].codes[0]`.
    const specs = [normalizeSpec(spec)];
    const id = `\u0000sub:${++this.#nextId}`;
    this.#add(id, specs, handler as (message: UpbitMessage) => void);
    let live = true;
    const unsubscribe = (): void => {
      if (!live) return;
      live = false;
      this.#remove(id);
    };
    return { id, unsubscribe, [Symbol.dispose]: unsubscribe };
  }

  stream<T extends DataType>(spec: Spec<T>, options?: StreamOptions): AsyncIterableIterator<MessageOf<T>> {
    this.#options.assertOpen();
    // Validated here too: a stream whose signal is already aborted subscribes nothing, yet a bad spec still throws.
    normalizeSpec(spec);
    return createStream<T>(
      (s, handler, end) => {
        const { unsubscribe } = this.subscribe(s, handler);
        this.#streamEnds.add(end);
        return () => {
          this.#streamEnds.delete(end);
          unsubscribe();
        };
      },
      spec,
      options,
    );
  }

  register(componentId: string, specs: readonly Spec[], handler: (message: UpbitMessage) => void): void {
    this.#options.assertOpen();
    if (typeof componentId !== 'string' || componentId.length === 0 || componentId.startsWith('\u0000')) {
      throw new UpstateError('ERR_SPEC', `Expected \`componentId\` to be a non-empty string, got ${String(componentId)}`);
    }
    assertHandler(handler);
    this.#add(componentId, normalizeSpecs(specs), handler);
  }

  unregister(componentId: string): boolean {
    if (!this.#options.registry.has(componentId)) return false;
    this.#remove(componentId);
    return true;
  }

  /** Ends every live stream (after the messages already buffered). */
  endStreams(): void {
    for (const end of [...this.#streamEnds]) end();
  }

  #add(id: string, specs: readonly NormalizedSpec[], handler: (message: UpbitMessage) => void): void {
    const { privateRefusal, router, registry } = this.#options;
    const unserved = privateRefusal === undefined ? undefined : specs.find((spec) => spec.kind === 'private');
    // Say so now, while the caller can still fix it, rather than when the exchange refuses.
    if (unserved) throw new SpecError('type', unserved.type, privateRefusal!);
    // Router first: a frame that the new request brings must find its subscriber.
    router.add(id, specs, handler);
    registry.register(id, specs);
  }

  #remove(id: string): void {
    this.#options.registry.unregister(id);
    this.#options.router.remove(id);
  }
}

function assertHandler(handler: unknown): void {
  if (typeof handler !== 'function') {
    throw new UpstateError('ERR_SPEC', `Expected \`handler\` to be a function, got ${typeof handler}`);
  }
}
