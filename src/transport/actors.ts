import { fromCallback, fromPromise, type NonReducibleUnknown } from 'xstate';
import type { ControlFrame, Link, LinkCloseInfo } from './link.js';

/** An error frame from Upbit. */
export type UpbitErrorFrame = Extract<ControlFrame, { kind: 'error' }>;

/** Where to connect. Built afresh for every attempt (a private link signs a new JWT each time). */
export interface LinkEndpoint {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Events `watchLinkActor` sends to its parent. */
export type LinkWatchEvent =
  /** The socket closed (by either side, or it dropped: code 1006). Sent once. */
  | { type: 'link.closed'; code: number; reason: string }
  /** Something arrived after a `link.probe`: the link is alive. */
  | { type: 'link.alive' }
  /** Upbit refused the credentials on the open socket (an `INVALID_AUTH` error frame). */
  | { type: 'link.rejected'; name: string; message: string }
  /** Upbit answered a request with any other error frame (`WRONG_FORMAT`, `NO_TICKET`, `INVALID_PARAM`, …). */
  | { type: 'link.refused'; name: string; message: string };

/** Events `watchLinkActor` accepts from its parent: ping the server and report `link.alive` when anything next arrives. */
export type LinkWatchCommand = { type: 'link.probe' };

export interface WatchLinkOptions {
  /** Hears every Upbit error frame before the chart does (to report it); must not throw. */
  readonly onUpbitError?: (frame: UpbitErrorFrame) => void;
}

/** What a socket that never reported its close is taken to have closed with. */
const NO_CLOSE_INFO: LinkCloseInfo = { code: 1006, reason: '', wasClean: false };

/**
 * Opens `link` each time the actor starts. `endpoint()` is called at every start, so credentials
 * are read (and a JWT signed with a fresh nonce) only here: the secret never enters actor input,
 * events or errors. Leaving the invoking state aborts the opening.
 *
 * Rejects with the link's `LinkError` (its `status` and `retryAfterMs` intact) or, when aborted,
 * `UpstateError('ERR_ABORTED')`.
 *
 * `TInput` only lets the logic match the input type a chart declares for it; the input is unused.
 */
export function openLinkActor<TInput = void>(link: Link, endpoint: () => LinkEndpoint) {
  return fromPromise<void, TInput>(async ({ signal }) => {
    const { url, headers } = endpoint();
    await link.open(url, headers, signal);
  });
}

/**
 * Relays the open link's control events to the parent (see {@link LinkWatchEvent}) and takes
 * {@link LinkWatchCommand}s. This is the one path of control frames from the socket to the
 * chart; data frames never come through here.
 *
 * If the link is not open when the actor starts, `link.closed` is sent at once. When the actor
 * stops it removes its listeners and closes the link, so leaving the open state never strands a
 * socket.
 *
 * `TInput` only lets the logic match the input type a chart declares for it; the input is unused.
 */
export function watchLinkActor<TInput = NonReducibleUnknown>(link: Link, options: WatchLinkOptions = {}) {
  return fromCallback<LinkWatchCommand, TInput>(({ sendBack, receive }) => watchLink(link, options, sendBack, receive));
}

/**
 * The body of {@link watchLinkActor}, for a callback actor that picks its link at start (one
 * logic serving several sockets). Returns the cleanup the actor runs when stopped.
 */
export function watchLink(
  link: Link,
  options: WatchLinkOptions,
  sendBack: (event: LinkWatchEvent) => void,
  receive: (listener: (event: LinkWatchCommand) => void) => void,
): () => void {
  const { onUpbitError } = options;
  {
    let closedReported = false;
    let probing = false;

    const reportClosed = ({ code, reason }: LinkCloseInfo): void => {
      if (closedReported) return;
      closedReported = true;
      stopProbing();
      sendBack({ type: 'link.closed', code, reason } satisfies LinkWatchEvent);
    };

    const linkOnActivity = (): void => {
      stopProbing();
      sendBack({ type: 'link.alive' } satisfies LinkWatchEvent);
    };

    // Listening to `activity` only while a probe is out keeps it off the data path otherwise.
    const startProbing = (): void => {
      if (!probing) link.on('activity', linkOnActivity);
      probing = true;
      link.ping();
    };

    function stopProbing(): void {
      if (probing) link.off('activity', linkOnActivity);
      probing = false;
    }

    const linkOnControl = (frame: ControlFrame): void => {
      if (frame.kind !== 'error') return;
      onUpbitError?.(frame);
      const type = frame.name === 'INVALID_AUTH' ? 'link.rejected' : 'link.refused';
      sendBack({ type, name: frame.name, message: frame.message } satisfies LinkWatchEvent);
    };

    link.on('control', linkOnControl);
    link.on('close', reportClosed);

    receive((event) => {
      if (event.type === 'link.probe') startProbing();
    });

    // A refusal that came with the handshake was emitted before this watcher listened.
    const rejection = link.rejection;
    if (rejection !== undefined) {
      onUpbitError?.(rejection);
      sendBack({ type: 'link.rejected', name: rejection.name, message: rejection.message } satisfies LinkWatchEvent);
    } else if (!link.isOpen) {
      reportClosed(link.lastClose ?? NO_CLOSE_INFO);
    }

    return () => {
      link.off('control', linkOnControl);
      link.off('close', reportClosed);
      stopProbing();
      void link.close();
    };
  }
}
