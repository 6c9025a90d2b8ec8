/**
 * An embedded exchange in a process of its own, driven over IPC, so a benchmark's reader or
 * orchestrator does not share its event loop (nor its heap) with the exchange:
 * `exchange-process.ts <ExchangeOptions as JSON> [frames]`.
 *
 * Sends `{ ready: ExchangeProcessInfo }` once listening. Commands: `{ replay: count }` (needs
 * `frames`: ~1 KB ticker frames captured from the exchange at start) → `{ replayed: ReplayResult }`;
 * `{ fault: FaultName }`; `{ report: true }` → `{ report: ExchangeReport }`; `{ exit: true }`.
 */
import { DEFAULT_MARKETS, type ExchangeOptions, startExchange } from '../src/sim/index.js';
import { captureTickerFrames } from './datapath-frames.js';

export type FaultName = 'drop' | 'silence' | 'resume' | 'refuseUpgrades' | 'malformed' | 'restart';

export interface ExchangeProcessInfo {
  readonly url: string;
  readonly privateUrl: string;
  readonly codes: readonly string[];
  /** Average size of the replay frames; 0 without `frames`. */
  readonly frameBytes: number;
}

export interface ExchangeReport {
  /** Messages refused (TOO_MANY_REQUESTS), upgrades refused outside a refuseUpgrades fault, connections closed for rate. */
  readonly violations: number;
  readonly messagesReceived: number;
  readonly framesSent: number;
}

/** Distinct replay frames: 20 markets, many ticks. */
const POOL = 1_000;

const options = JSON.parse(process.argv[2] ?? '{}') as ExchangeOptions;
const exchange = await startExchange(options);
const frames = process.argv[3] === 'frames' ? await captureTickerFrames(exchange, DEFAULT_MARKETS, POOL) : [];
let violations = 0;
let refusing = false;
exchange.on('request', (record) => {
  if (!record.result.ok) violations++;
});
exchange.on('refused', () => {
  if (!refusing) violations++;
});
exchange.on('close', (event) => {
  if (event.cause === 'rate') violations++;
});

const FAULTS: Record<FaultName, () => void> = {
  drop: () => exchange.faults.drop(),
  silence: () => exchange.faults.silence(true),
  resume: () => exchange.faults.silence(false),
  refuseUpgrades: () => {
    refusing = true;
    exchange.faults.refuseUpgrades(2_000);
    setTimeout(() => (refusing = false), 2_000);
  },
  malformed: () => exchange.faults.sendMalformed(),
  restart: () => exchange.faults.restart(),
};

process.on('message', (command: { replay?: number; fault?: FaultName; report?: true; exit?: true }) => {
  if (command.exit) {
    void exchange.close().then(() => process.disconnect());
  } else if (command.fault !== undefined) {
    FAULTS[command.fault]();
  } else if (command.report) {
    const { messagesReceived, framesSent } = exchange.counters;
    process.send!({ report: { violations, messagesReceived, framesSent } satisfies ExchangeReport });
  } else if (command.replay !== undefined) {
    exchange.replay(frames, { count: command.replay }).then(
      (replayed) => process.send!({ replayed }),
      (error: unknown) => process.send!({ failed: String(error) }),
    );
  }
});
const info: ExchangeProcessInfo = {
  url: exchange.url,
  privateUrl: exchange.privateUrl,
  codes: DEFAULT_MARKETS,
  frameBytes: frames.length === 0 ? 0 : frames.reduce((sum, frame) => sum + frame.length, 0) / frames.length,
};
process.send!({ ready: info });
