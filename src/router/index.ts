export { DEFAULT_CACHE_TYPES, Router } from './router.js';
export type { RouterOptions } from './router.js';
export type { MessageHandler } from './route.js';
export { cutBook } from './orderbook.js';
