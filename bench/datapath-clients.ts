/**
 * The three readers of the data-path benchmark, behind one shape: open on a URL for some codes'
 * tickers, count the frames they have handled, and call `onHandler` where an application's code
 * would run.
 *
 * - floor: a bare `ws` socket and `JSON.parse`, the least any reader must do;
 * - upstate: an orchestrator, one `subscribe` for the codes' tickers;
 * - ccxt: ccxt.pro's upbit, one `watchTicker` loop per code, pointed at the embedded exchange.
 *   ccxt is installed only for the benchmark (`npm install --no-save ccxt`), never a dependency.
 */
import WebSocket from 'ws';
import { createOrchestrator } from '../src/orchestrator.js';
import { upbitConnectGate } from '../src/rate/index.js';

export const READERS = ['floor', 'upstate', 'ccxt'] as const;
export type ReaderKind = (typeof READERS)[number];

export interface Reader {
  /** Frames handled so far (ccxt: frames its client has parsed and dispatched). */
  readonly handled: () => number;
  close(): Promise<void>;
}

/** What a handler sees: enough to tell frames apart. */
export type OnHandler = (code: string) => void;

export async function openReader(kind: ReaderKind, url: string, codes: readonly string[], onHandler: OnHandler): Promise<Reader> {
  switch (kind) {
    case 'floor':
      return openFloor(url, codes, onHandler);
    case 'upstate':
      return openUpstate(url, codes, onHandler);
    case 'ccxt':
      return openCcxt(url, codes, onHandler);
  }
}

async function openFloor(url: string, codes: readonly string[], onHandler: OnHandler): Promise<Reader> {
  const ws = new WebSocket(url);
  let handled = 0;
  ws.on('message', (data) => {
    const message = JSON.parse((data as Buffer).toString()) as { code: string };
    handled++;
    onHandler(message.code);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify([{ ticket: 'floor' }, { type: 'ticker', codes }]));
  return {
    handled: () => handled,
    close: async () => ws.terminate(),
  };
}

async function openUpstate(url: string, codes: readonly string[], onHandler: OnHandler): Promise<Reader> {
  const connectGate = upbitConnectGate();
  const upbit = createOrchestrator({ endpoints: { public: url, private: url }, connectGate });
  let handled = 0;
  upbit.subscribe({ type: 'ticker', codes: [...codes] }, (message) => {
    handled++;
    onHandler(message.code);
  });
  await upbit.settled();
  return {
    handled: () => handled,
    async close() {
      await upbit.close();
      connectGate.close();
    },
  };
}

/** The little of ccxt.pro's upbit the benchmark uses (ccxt is not a dependency: no types from it). */
interface CcxtUpbit {
  urls: { api: Record<string, string> };
  setMarkets(markets: readonly object[]): void;
  client(url: string): unknown;
  watchTicker(symbol: string): Promise<unknown>;
  loadHttpProxyAgent(): Promise<unknown>;
  close(): Promise<void>;
}

interface Ccxt {
  readonly version: string;
  readonly pro: { readonly upbit: new (options: object) => CcxtUpbit };
}

/** Loads ccxt if it is installed; `undefined` if not. */
export async function loadCcxt(): Promise<Ccxt | undefined> {
  // A name in a variable: TypeScript does not look for ccxt's types, which a clean clone lacks.
  const name = 'ccxt';
  try {
    return (await import(name)) as Ccxt;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

async function openCcxt(url: string, codes: readonly string[], onHandler: OnHandler): Promise<Reader> {
  const ccxt = await loadCcxt();
  if (ccxt === undefined) throw new Error('ccxt is not installed: `npm install --no-save ccxt`');
  const exchange = new ccxt.pro.upbit({ enableRateLimit: false });
  // ccxt reads the URL of its socket from `urls.api.ws`: a plain local URL is used as is.
  exchange.urls.api.ws = url;
  // ccxt refuses a plain ws:// URL until it has an HTTP agent for it.
  await exchange.loadHttpProxyAgent();
  // Markets given, so ccxt never asks Upbit's REST API for them.
  exchange.setMarkets(codes.map(ccxtMarket));
  let handled = 0;
  const client = exchange.client(url) as unknown as { onMessage: (event: unknown) => void };
  const dispatch = client.onMessage.bind(client);
  client.onMessage = (event) => {
    dispatch(event);
    handled++;
  };
  let running = true;
  const loops = codes.map(async (code) => {
    const symbol = ccxtSymbol(code);
    while (running) {
      try {
        await exchange.watchTicker(symbol);
      } catch (error) {
        if (running) throw error;
        return;
      }
      if (running) onHandler(code);
    }
  });
  loops.forEach((loop) => loop.catch((error: unknown) => console.error(`ccxt loop failed: ${String(error)}`)));
  return {
    handled: () => handled,
    async close() {
      running = false;
      await exchange.close();
    },
  };
}

/** KRW-BTC → BTC/KRW. */
function ccxtSymbol(code: string): string {
  const [quote, base] = code.split('-');
  return `${base}/${quote}`;
}

function ccxtMarket(code: string) {
  const [quote, base] = code.split('-') as [string, string];
  return {
    id: code,
    symbol: ccxtSymbol(code),
    base,
    quote,
    baseId: base,
    quoteId: quote,
    type: 'spot',
    spot: true,
    margin: false,
    swap: false,
    future: false,
    option: false,
    contract: false,
    active: true,
    precision: { amount: 1e-8, price: 1 },
    limits: { amount: {}, price: {}, cost: {} },
    info: {},
  };
}
