/**
 * What `upstate demo` shows: a sample of the run (taken by demo.ts) rendered as a terminal screen,
 * as one plain status line, and as the closing summary.
 */
import type { FlushState, LinkState, OrchestratorStats } from '../orchestrator.js';
import type { ConnectionId } from '../protocol/upbit/types.js';
import { formatCount, formatPercent, formatTable } from './format.js';

export interface ConnectionSample {
  /** The connection id: `public`, `public-2`, …, `private`. */
  readonly kind: ConnectionId;
  readonly link: LinkState;
  readonly flush: FlushState;
  readonly messagesSent: number;
  readonly changesAbsorbed: number;
  /** Undefined for a public connection while there are several (frames are counted per kind). */
  readonly framesPerSecond: number | undefined;
  /** Messages the connection may still send right now within Upbit's windows. */
  readonly headroom: number | undefined;
}

export interface DemoSample {
  readonly elapsedMs: number;
  readonly durationMs: number;
  readonly exchangeUrl: string;
  readonly components: { readonly active: number; readonly total: number };
  readonly delivered: number;
  readonly myOrder: { readonly injected: number; readonly received: number };
  readonly connections: readonly ConnectionSample[];
  readonly stats: OrchestratorStats;
  readonly errors: number;
  /** One line on the comparison's progress. */
  readonly comparison: string;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `ws://127.0.0.1:40000/websocket/v1` → `127.0.0.1:40000`. */
function hostOf(url: string): string {
  return url.replace(/^wss?:\/\//, '').replace(/\/.*$/, '');
}

/**
 * The screen for a terminal, at most 80 columns wide. `finished`: the last frame, left on screen
 * above the summary, without what the summary repeats (the pending-flush metrics) and without
 * the Ctrl-C hint.
 */
export function screenLines(sample: DemoSample, { finished = false }: { readonly finished?: boolean } = {}): string[] {
  const { stats } = sample;
  const table = formatTable(
    ['conn', 'link', 'flush', 'sent', 'absorbed', 'frames/s', 'headroom'],
    sample.connections.map((c) => [
      c.kind,
      c.link,
      c.flush,
      formatCount(c.messagesSent),
      formatCount(c.changesAbsorbed),
      c.framesPerSecond === undefined ? '–' : formatCount(c.framesPerSecond),
      c.headroom === undefined ? '–' : String(c.headroom),
    ]),
    ['left', 'left', 'left'],
  );
  const clock = `${seconds(Math.min(sample.elapsedMs, sample.durationMs))} of ${seconds(sample.durationMs)}`;
  return [
    `upstate demo · ${clock} · simulated exchange on ${hostOf(sample.exchangeUrl)}`,
    `components ${sample.components.active} of ${sample.components.total} subscribed · ${formatCount(sample.delivered)} messages delivered`,
    `myOrder events: ${sample.myOrder.received} received of ${sample.myOrder.injected} sent`,
    '',
    ...table,
    ...(finished ? [] : ['', ...metricsLines(stats, sample.errors), '', `comparison: ${sample.comparison}`, 'Ctrl-C ends the run early.']),
  ];
}

/** One line per sample when stdout is not a terminal. */
export function statusLine(sample: DemoSample): string {
  const connections = sample.connections.map(
    (c) =>
      `${c.kind} ${c.link}/${c.flush} sent ${c.messagesSent} absorbed ${c.changesAbsorbed} frames/s ${c.framesPerSecond === undefined ? '–' : Math.round(c.framesPerSecond)} headroom ${c.headroom ?? '–'}`,
  );
  return [
    `[${seconds(sample.elapsedMs).padStart(6)}] components ${sample.components.active}/${sample.components.total}`,
    ...connections,
    `comparison ${sample.comparison}`,
  ].join(' · ');
}

/** The seed's metrics: flushes, absorbed changes, batch size, rate waits, duplicates prevented (lines within 80 columns). */
export function metricsLines(stats: OrchestratorStats, errors: number): string[] {
  return [
    `pending flush: ${formatCount(stats.flushesStarted)} flushes for ${formatCount(stats.changes)} changes · ${stats.averageBatchSize.toFixed(1)} changes per flush`,
    `               ${formatCount(stats.changesAbsorbed)} absorbed (${formatPercent(stats.batchEfficiency)}) · ${formatCount(stats.duplicatesPrevented)} duplicates prevented · ${errors} errors`,
    `               ${formatCount(stats.messagesSent)} messages sent · ${formatCount(stats.rateWaits)} rate-limit waits`,
  ];
}

/** The closing summary of the live run. */
export function summaryLines(sample: DemoSample): string[] {
  return [
    `Live run: ${seconds(sample.elapsedMs)}, ${sample.components.total} components, ${formatCount(sample.delivered)} messages delivered (simulated)`,
    `          ${sample.stats.connectionsOpened} connections opened, ${sample.stats.reconnects} reconnects`,
    ...metricsLines(sample.stats, sample.errors),
    `myOrder: ${sample.myOrder.received} events received of ${sample.myOrder.injected} sent by the exchange`,
  ];
}
