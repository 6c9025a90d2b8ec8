import { UpstateError } from './errors.js';
import type { Logger } from './options.js';

/** What reporting needs of an emitter: events by name, and whether anyone hears 'error'. */
export interface Reporting {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

/**
 * Emits from inside an actor observer or a socket callback, where a throw would become an
 * uncaught exception and cut the caller short: a listener that throws is reported as
 * `ERR_HANDLER` instead (one that throws on 'error' is only logged).
 */
export function emitSafely(target: Reporting, logger: Logger, scope: string, event: string, args: readonly unknown[]): void {
  try {
    target.emit(event, ...args);
  } catch (cause) {
    const error = new UpstateError('ERR_HANDLER', `A listener of '${event}' threw`, { cause });
    if (event === 'error') logger.error({ code: error.code, err: String(cause) }, `${scope}: an error listener threw`);
    else report(target, logger, scope, error);
  }
}

/** Logs `error` and emits it on 'error' when someone listens: an unheard 'error' must not crash the host. */
export function report(target: Reporting, logger: Logger, scope: string, error: UpstateError): void {
  logger.error({ code: error.code, err: error.message }, `${scope}: error`);
  if (target.listenerCount('error') > 0) emitSafely(target, logger, scope, 'error', [error]);
}
