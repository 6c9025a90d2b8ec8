export { LinkError, type LinkErrorDetails } from './errors.js';
export { Link, type ControlFrame, type LinkCloseInfo, type LinkEvents, type LinkOptions } from './link.js';
export {
  openLinkActor,
  watchLinkActor,
  watchLink,
  type LinkEndpoint,
  type LinkWatchCommand,
  type LinkWatchEvent,
  type UpbitErrorFrame,
  type WatchLinkOptions,
} from './actors.js';
export { parseRetryAfter } from './retry-after.js';
