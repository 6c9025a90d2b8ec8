/**
 * The markets the embedded exchange lists by default, with plausible reference prices and how
 * busy each is. A market code not in this table still works when passed in `markets`; its
 * reference price is derived from the seed and the code.
 */
import { hashString } from './prng.js';
import { quoteOf } from './prices.js';

export interface MarketProfile {
  /** Price the simulation starts from, in the quote currency. */
  readonly price: number;
  /** Probability of a trade in one tick (0..1). */
  readonly activity: number;
}

const PROFILES: Readonly<Record<string, MarketProfile>> = {
  'KRW-BTC': { price: 140_000_000, activity: 0.9 },
  'KRW-ETH': { price: 5_000_000, activity: 0.8 },
  'KRW-XRP': { price: 3_200, activity: 0.8 },
  'KRW-SOL': { price: 280_000, activity: 0.6 },
  'KRW-DOGE': { price: 330, activity: 0.6 },
  'KRW-ADA': { price: 1_100, activity: 0.5 },
  'KRW-USDT': { price: 1_400, activity: 0.7 },
  'KRW-TRX': { price: 350, activity: 0.3 },
  'KRW-AVAX': { price: 40_000, activity: 0.3 },
  'KRW-LINK': { price: 25_000, activity: 0.3 },
  'KRW-DOT': { price: 7_000, activity: 0.25 },
  'KRW-SHIB': { price: 0.02, activity: 0.3 },
  'KRW-BCH': { price: 700_000, activity: 0.2 },
  'KRW-ETC': { price: 30_000, activity: 0.25 },
  'KRW-XLM': { price: 450, activity: 0.3 },
  'KRW-SUI': { price: 5_000, activity: 0.4 },
  'KRW-NEAR': { price: 4_000, activity: 0.2 },
  'KRW-HBAR': { price: 300, activity: 0.25 },
  'KRW-SAND': { price: 400, activity: 0.2 },
  'KRW-APT': { price: 7_000, activity: 0.2 },
};

/** The default `markets` option: 20 busy KRW markets. */
export const DEFAULT_MARKETS: readonly string[] = Object.keys(PROFILES);

/** Typical price of one unit of a quote currency in KRW, to size trades and books plausibly. */
const KRW_PER_QUOTE: Readonly<Record<string, number>> = { KRW: 1, BTC: 140_000_000, USDT: 1_400 };

export function krwPerQuote(code: string): number {
  return KRW_PER_QUOTE[quoteOf(code)] ?? 1_400;
}

/** The profile of a market: from the table, or derived from the code and the seed. */
export function profileOf(code: string, seed: number): MarketProfile {
  const known = PROFILES[code];
  if (known !== undefined) return known;
  const hash = hashString(`${seed}:${code}`);
  // Somewhere between 10 and 100 000 KRW-equivalent, spread log-uniformly.
  const krwPrice = 10 ** (1 + (hash % 4000) / 1000);
  return { price: krwPrice / krwPerQuote(code), activity: 0.2 + ((hash >>> 12) % 40) / 100 };
}
