/**
 * Optional peer dependencies, imported on first use. Fleet mode (the @nats-io packages), the
 * live view (elkjs, prom-client) and `--inspect` (@statelyai/inspect) are heavy and only some
 * users want them, so they are optional peers: a user who only streams never installs them, and
 * no module reachable from upstate's entry points imports them at load time. A feature that needs
 * one loads it here, before it starts anything, and a missing package becomes a
 * `PeerMissingError` (`ERR_PEER_MISSING`) that names the feature and the `npm install` to run.
 */
import { PeerMissingError } from './errors.js';

export interface OptionalPeer<T> {
  /** What needs the packages, as a user names it: the start of the error message. */
  readonly feature: string;
  /** Every package the feature needs, in the order `npm install` is told to add them. */
  readonly packages: readonly string[];
  /** Put after the install command (another way to get what the user wanted). */
  readonly hint?: string;
  /** Imports the packages. Literal `import()`s, so the bundle leaves them out and loads them only here. */
  load(): Promise<T>;
}

/** Imports `peer`'s packages; a package that is not installed throws `PeerMissingError`, anything else as it was. */
export async function importPeer<T>(peer: OptionalPeer<T>): Promise<T> {
  try {
    return await peer.load();
  } catch (error) {
    throw missingPeer(peer, error) ?? error;
  }
}

/**
 * The `PeerMissingError` for an import that failed because one of `peer`'s packages is not
 * installed; `undefined` for any other failure (a package that is there but broken, a missing
 * dependency of its own), which is left as it was.
 */
export function missingPeer(peer: OptionalPeer<unknown>, error: unknown): PeerMissingError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const message = error instanceof Error ? error.message : '';
  // Node names the package ('Cannot find package 'x'' or 'Cannot find module 'x/lib/y.js'').
  const missing = peer.packages.find((name) => message.includes(`'${name}'`) || message.includes(`'${name}/`));
  return missing === undefined ? undefined : new PeerMissingError(peer.feature, peer.packages, missing, peer.hint, error);
}
