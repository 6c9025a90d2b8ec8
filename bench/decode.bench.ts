/**
 * Decoder hot path: `decodeFrame` on a firehose of binary frames (as `ws` hands them over), next
 * to a bare client (the same Buffers turned into text and `JSON.parse`d, nothing else). Frames
 * are shaped like the live exchange's (real field sets, 17-digit trade ids, 15-unit books), one
 * stream per format. Rounds of both sides are interleaved after warm-up rounds; the table shows
 * median times and the median and spread of the per-round ratios to the bare client. The
 * bare-again row is pure measurement noise, the yardstick for reading the others.
 */
import { decodeFrame } from '../src/protocol/upbit/decode.js';
import { formatNumber, median, prng, time } from './harness.js';
import type { BenchContext, SectionReport } from './report.js';

const FRAMES = 50_000;
/** Distinct frames, decoded over and over (a new Buffer per frame would measure the allocator). */
const POOL = 2_000;
const WARM_UP_ROUNDS = 3;
const ROUNDS = 15;

export type Stream = 'DEFAULT' | 'SIMPLE' | 'trades only, DEFAULT';

/** Text of one frame: ticker, trade or orderbook, in the given naming. */
function frameText(kind: 'ticker' | 'trade' | 'orderbook', simple: boolean, random: () => number, at: number): string {
  const price = 90_000_000 + Math.floor(random() * 2_000) * 1_000;
  const volume = Math.round(random() * 1e8) / 1e8;
  if (kind === 'trade') {
    // Upbit's ids: the trade's ms timestamp, then four digits (17 digits, above 2^53).
    const id = `${at}${String(Math.floor(random() * 10_000)).padStart(4, '0')}`;
    return simple
      ? `{"ty":"trade","cd":"KRW-BTC","tms":${at + 3},"td":"2026-07-30","ttm":"07:45:31","ttms":${at},"tp":${price}.0,"tv":${volume},"ab":"BID","pcp":91424000.0,"c":"FALL","cp":224000.0,"sid":${id},"bap":${price + 1000},"bas":0.0131,"bbp":${price},"bbs":0.2841,"st":"REALTIME"}`
      : `{"type":"trade","code":"KRW-BTC","timestamp":${at + 3},"trade_date":"2026-07-30","trade_time":"07:45:31","trade_timestamp":${at},"trade_price":${price}.0,"trade_volume":${volume},"ask_bid":"BID","prev_closing_price":91424000.0,"change":"FALL","change_price":224000.0,"sequential_id":${id},"best_ask_price":${price + 1000},"best_ask_size":0.0131,"best_bid_price":${price},"best_bid_size":0.2841,"stream_type":"REALTIME"}`;
  }
  if (kind === 'ticker') {
    return simple
      ? `{"ty":"ticker","cd":"KRW-BTC","op":91374000.0,"hp":92119000.0,"lp":90888000.0,"tp":${price}.0,"pcp":91424000.0,"atp":27800806282.39862,"c":"FALL","cp":224000.0,"scp":-224000.0,"cr":0.0024501225,"scr":-0.0024501225,"ab":"BID","tv":${volume},"atv":304.11940843,"tdt":"20260730","ttm":"074100","ttms":${at},"aav":150.1,"abv":154.0,"h52wp":179869000.0,"h52wdt":"2025-10-09","l52wp":88770000.0,"l52wdt":"2026-07-01","ms":"ACTIVE","its":false,"dd":null,"mw":"NONE","tms":${at + 40},"atp24h":74674126733.71954,"atv24h":814.34496604,"st":"REALTIME"}`
      : `{"type":"ticker","code":"KRW-BTC","opening_price":91374000.0,"high_price":92119000.0,"low_price":90888000.0,"trade_price":${price}.0,"prev_closing_price":91424000.0,"acc_trade_price":27800806282.39862,"change":"FALL","change_price":224000.0,"signed_change_price":-224000.0,"change_rate":0.0024501225,"signed_change_rate":-0.0024501225,"ask_bid":"BID","trade_volume":${volume},"acc_trade_volume":304.11940843,"trade_date":"20260730","trade_time":"074100","trade_timestamp":${at},"acc_ask_volume":150.1,"acc_bid_volume":154.0,"highest_52_week_price":179869000.0,"highest_52_week_date":"2025-10-09","lowest_52_week_price":88770000.0,"lowest_52_week_date":"2026-07-01","market_state":"ACTIVE","is_trading_suspended":false,"delisting_date":null,"market_warning":"NONE","timestamp":${at + 40},"acc_trade_price_24h":74674126733.71954,"acc_trade_volume_24h":814.34496604,"stream_type":"REALTIME"}`;
  }
  const units = Array.from({ length: 15 }, (_, i) => {
    const ask = price + (i + 1) * 1000;
    const bid = price - i * 1000;
    const [as, bs] = [Math.round(random() * 1e8) / 1e8, Math.round(random() * 1e8) / 1e8];
    return simple ? `{"ap":${ask},"bp":${bid},"as":${as},"bs":${bs}}` : `{"ask_price":${ask}.0,"bid_price":${bid}.0,"ask_size":${as},"bid_size":${bs}}`;
  }).join(',');
  return simple
    ? `{"ty":"orderbook","cd":"KRW-BTC","tms":${at},"tas":2.51469375,"tbs":1.63815297,"obu":[${units}],"st":"REALTIME","lv":0}`
    : `{"type":"orderbook","code":"KRW-BTC","timestamp":${at},"total_ask_size":2.51469375,"total_bid_size":1.63815297,"orderbook_units":[${units}],"stream_type":"REALTIME","level":0}`;
}

/** A pool of binary frames: tickers, trades and books in equal parts (or trades only). */
export function poolOf(stream: Stream): Buffer[] {
  const random = prng(11);
  const simple = stream === 'SIMPLE';
  const kinds = stream === 'trades only, DEFAULT' ? (['trade'] as const) : (['ticker', 'trade', 'orderbook'] as const);
  return Array.from({ length: POOL }, (_, i) =>
    Buffer.from(frameText(kinds[i % kinds.length]!, simple, random, 1_785_397_531_885 + i * 7)),
  );
}

/** Both sides read one field of each result, so neither can be optimised away. */
let sink = 0;

function decodeAll(pool: readonly Buffer[]): void {
  for (let i = 0; i < FRAMES; i++) {
    const frame = decodeFrame(pool[i % POOL]!);
    if (frame.kind === 'message') sink += frame.message.timestamp;
  }
}

function parseAll(pool: readonly Buffer[]): void {
  for (let i = 0; i < FRAMES; i++) {
    const value = JSON.parse(pool[i % POOL]!.toString('utf8')) as { timestamp?: number; tms?: number };
    sink += value.timestamp ?? value.tms ?? 0;
  }
}

const SIDES = ['bare', 'again', 'decoder'] as const;
type Side = (typeof SIDES)[number];

function measure(stream: Stream): Record<Side, number[]> {
  const pool = poolOf(stream);
  const sides: Record<Side, () => void> = { bare: () => parseAll(pool), again: () => parseAll(pool), decoder: () => decodeAll(pool) };
  const times: Record<Side, number[]> = { bare: [], again: [], decoder: [] };
  for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
    // Rotating order: no side always runs first (or right after a collection).
    for (let k = 0; k < SIDES.length; k++) {
      const side = SIDES[(round + k) % SIDES.length]!;
      const ms = time(sides[side]);
      if (round >= WARM_UP_ROUNDS) times[side].push(ms);
    }
  }
  return times;
}

export function run(context: BenchContext): SectionReport {
  const streams: Stream[] = context.smoke ? ['DEFAULT'] : ['DEFAULT', 'SIMPLE', 'trades only, DEFAULT'];
  const ratioOf: Record<string, number> = {};
  const rows = streams.flatMap((stream) => {
    context.log(`decoder: ${stream}`);
    const times = measure(stream);
    return SIDES.map((side) => {
      const ms = median(times[side]);
      const cells = [`${stream}: ${side === 'bare' ? 'bare JSON.parse' : side === 'again' ? 'bare again' : 'decodeFrame'}`, formatNumber(FRAMES / (ms / 1000)), formatNumber((ms * 1e6) / FRAMES, 1), formatNumber(ms, 1)];
      if (side === 'bare') return [...cells, '', ''];
      const ratios = times[side].map((t, round) => t / times.bare[round]!);
      if (side !== 'again') ratioOf[stream] = median(ratios);
      return [...cells, formatNumber(median(ratios), 3), `${formatNumber(Math.min(...ratios), 3)}–${formatNumber(Math.max(...ratios), 3)}`];
    });
  });
  if (sink === 0) throw new Error('decoder bench: no frame decoded');
  return {
    title: 'Decoder',
    intro: [
      'decodeFrame on a firehose of binary frames shaped like the live exchange\'s (real field sets, 17-digit trade ids kept exact, 15-unit books), next to a bare client that only turns the same Buffers into text and JSON.parses them. Rounds of both sides interleave after warm-up rounds; "bare again" is the noise of the measurement.',
    ],
    tables: [
      {
        title: `${formatNumber(FRAMES)} binary frames per round (medians of ${ROUNDS} interleaved rounds)`,
        header: ['run', 'frames/s', 'ns/frame', 'ms', '÷ bare', 'min–max'],
        rows,
      },
    ],
    headline: Object.entries(ratioOf).map(([stream, ratio]) => `decodeFrame ÷ bare JSON.parse, ${stream}: ${formatNumber(ratio, 2)}×`),
  };
}
