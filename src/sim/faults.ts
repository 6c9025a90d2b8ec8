/**
 * Faults on demand, for tests of reconnects, staleness and decoding: abrupt drops, half-open
 * connections, refused upgrades, refused requests, undecodable frames and a full server restart.
 */
import { OptionError } from '../errors.js';
import type { SimConnection } from './connection.js';
import { MALFORMED_FRAME } from './frames.js';
import type { CloseCause, ExchangeFaults, RefusalName } from './handle.js';

const REFUSALS: readonly RefusalName[] = ['WRONG_FORMAT', 'NO_TICKET', 'NO_TYPE', 'NO_CODES', 'INVALID_PARAM'];

/** What the faults need from the exchange. */
export interface FaultTarget {
  /** One connection by id, or every open one. Throws an `OptionError` for an unknown id. */
  select(connectionId: string | undefined): SimConnection[];
  /** Ends a connection without a close frame. */
  terminate(connection: SimConnection, cause: CloseCause): void;
  refuseUpgrades(ms: number, status: number): void;
  refuseRequests(count: number, error: RefusalName): void;
  /** Drops every connection and forgets all session state. */
  restart(): void;
}

export function createFaults(target: FaultTarget, assertOpen: () => void): ExchangeFaults {
  return {
    drop(connectionId) {
      assertOpen();
      const connections = target.select(connectionId);
      for (const connection of connections) target.terminate(connection, 'dropped');
      return connections.length;
    },
    silence(on, connectionId) {
      assertOpen();
      if (typeof on !== 'boolean') throw new OptionError('on', on, 'a boolean');
      return target.select(connectionId).filter((connection) => connection.setSilenced(on)).length;
    },
    refuseUpgrades(ms, status = 429) {
      assertOpen();
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new OptionError('ms', ms, 'a finite number >= 0');
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new OptionError('status', status, 'an HTTP error status from 400 to 599');
      }
      target.refuseUpgrades(ms, status);
    },
    refuseRequests(count = 1, error = 'INVALID_PARAM') {
      assertOpen();
      if (!Number.isInteger(count) || count < 0) throw new OptionError('count', count, 'a whole number >= 0');
      if (!REFUSALS.includes(error)) throw new OptionError('error', error, REFUSALS.join(', '));
      target.refuseRequests(count, error);
    },
    sendMalformed(connectionId) {
      assertOpen();
      return target.select(connectionId).filter((connection) => connection.send([MALFORMED_FRAME]) > 0).length;
    },
    restart() {
      assertOpen();
      target.restart();
    },
  };
}
