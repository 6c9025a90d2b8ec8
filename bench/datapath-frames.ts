/** Ticker frames as the embedded exchange encodes them (DEFAULT, about 950 bytes), captured once and replayed. */
import WebSocket from 'ws';
import type { ExchangeHandle } from '../src/sim/index.js';

/** Runs market ticks until `count` REALTIME ticker frames of `codes` have been captured. */
export async function captureTickerFrames(exchange: ExchangeHandle, codes: readonly string[], count: number): Promise<Buffer[]> {
  const ws = new WebSocket(exchange.url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const frames: Buffer[] = [];
  const done = new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      if (frames.length < count) frames.push(Buffer.from(data as Buffer));
      if (frames.length === count) resolve();
    }),
  );
  ws.send(JSON.stringify([{ ticket: 'capture' }, { type: 'ticker', codes, isOnlyRealtime: true }]));
  // Ticks until enough frames arrived; a ping round trip first, so the subscription is in place.
  await new Promise<void>((resolve) => {
    ws.once('pong', () => resolve());
    ws.ping();
  });
  const ticking = setInterval(() => exchange.tick(10), 1);
  await done;
  clearInterval(ticking);
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.close();
  await closed;
  return frames;
}
