import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { run } from '../../src/cli/demo.js';
import { captureIo } from './io.js';

/** The comparison table's rows: requests, then naive and flush messages and times, then the ratios. */
function comparisonRows(output: string): Map<number, string[]> {
  const table = output.slice(output.indexOf('Naive sending vs the pending flush'));
  const rows = new Map<number, string[]>();
  for (const line of table.split('\n')) {
    const cells = line.trim().split(/\s{2,}/);
    if (/^\d+$/.test(cells[0] ?? '') && cells.length === 9) rows.set(Number(cells[0]), cells);
  }
  return rows;
}

/** "104 ms" / "1.11 s" → milliseconds. */
function ms(cell: string): number {
  const [value, unit] = cell.split(' ');
  return Number(value) * (unit === 's' ? 1000 : 1);
}

const SECRET = 'demo-secret-key-7f3a9c';
const ACCESS = 'demo-access-key-42b1';
const temporary: string[] = [];

afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('upstate demo', () => {
  it('prints plain lines and a comparison measured in this run without a terminal', async () => {
    const io = captureIo();
    expect(await run(['--duration', '3', '--compare', '1,5'], io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^upstate demo: simulated exchange ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1, 3 s at most, comparing 1, 5 concurrent requests\n/);
    const status = out.split('\n').filter((line) => line.startsWith('['));
    expect(status.length).toBeGreaterThanOrEqual(2);
    for (const line of status) {
      expect(line).toMatch(/^\[\s*\d+\.\d s\] components \d+\/50 · public \w+\/\w+ sent \d+ absorbed \d+ frames\/s \d+ headroom \S+ · private /);
    }
    // No terminal escapes in plain output.
    expect(out).not.toContain('\u001b[');
    expect(out).toMatch(/pending flush: \d+ flushes for \d+ changes · [\d.]+ changes per flush\n {15}\d+ absorbed/);

    const rows = comparisonRows(out);
    expect([...rows.keys()]).toEqual([1, 5]);
    for (const [requests, cells] of rows) {
      const [, naiveMessages, naiveFull, naiveSettled, flushMessages, flushFull, flushSettled] = cells;
      // Real counts, taken from the exchange's records: one message per change vs one in all.
      expect(Number(naiveMessages)).toBe(requests);
      expect(Number(flushMessages)).toBe(1);
      expect(ms(naiveFull!)).toBeLessThanOrEqual(ms(naiveSettled!));
      expect(ms(flushFull!)).toBe(ms(flushSettled!));
      expect(cells[7]).toBe(`${requests}×`);
    }
    expect(io.err()).toBe('');
  });

  it('repaints one screen on a terminal within 80 columns, then prints the summary below it once', async () => {
    const io = captureIo({ isTTY: true });
    expect(await run(['--duration', '2', '--compare', '1'], io)).toBe(0);
    const out = io.out();
    expect(out.startsWith('\u001b[?25l\u001b[2J\u001b[H')).toBe(true);
    const frames = out.split('\u001b[H').slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    const live = frames.at(-2)!;
    expect(live).toMatch(/^upstate demo · [\d.]+ s of 2\.0 s · simulated exchange on 127\.0\.0\.1:\d+/);
    expect(live).toMatch(/conn\s+link\s+flush\s+sent\s+absorbed\s+frames\/s\s+headroom/);
    expect(live).toContain('Ctrl-C ends the run early.');
    for (const frame of frames) {
      // The screen part of a frame, up to "clear to the end of the screen"; the summary follows the last one.
      for (const line of frame.split('\u001b[J')[0]!.split('\n')) expect(line.replace(/\u001b\[[\d;?]*[A-Za-z]/g, '').length).toBeLessThanOrEqual(80);
    }
    // The finished screen: the table stays, the hint goes, and the metrics appear once, in the summary.
    const finished = frames.at(-1)!;
    expect(finished).toMatch(/\npublic\s+open\s+\w+\s+\d+/);
    expect(finished.slice(0, finished.indexOf('\u001b[?25h'))).not.toContain('Ctrl-C');
    expect(out.match(/pending flush:/g)).toHaveLength(frames.length);
    expect(finished.match(/pending flush:/g)).toHaveLength(1);
    expect(finished).toContain('\u001b[?25h\nLive run:');
    expect(comparisonRows(out).get(1)?.slice(1, 2)).toEqual(['1']);
  });

  it('--duration bounds the whole run: a comparison still running then is reported as not measured', async () => {
    const io = captureIo();
    expect(await run(['--duration', '1.5', '--compare', '1,100'], io)).toBe(0);
    const out = io.out();
    // The real clock: on a loaded machine the run ends a little after its 1.5 s.
    expect(out).toMatch(/Live run: 1\.[5-9] s,/);
    expect([...comparisonRows(out).keys()]).toEqual([1]);
    expect(out).toContain('Not measured within --duration 1.5 s: 100 concurrent requests');
    expect(io.err()).toBe('');
  });

  it('--trace writes JSON lines of the actor tree that never carry the key pair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upstate-trace-'));
    temporary.push(dir);
    const file = join(dir, 'trace.jsonl');
    const io = captureIo({ env: { UPBIT_ACCESS_KEY: ACCESS, UPBIT_SECRET_KEY: SECRET } });
    expect(await run(['--duration', '1.5', '--compare', '1', '--trace', file], io)).toBe(0);

    const text = readFileSync(file, 'utf8');
    const records = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; actor?: string; snapshot?: { value?: unknown } });
    expect(io.out()).toContain(`trace: ${records.length} inspection events written to ${file}`);
    // The private connection ran: it authenticated and opened with the key pair…
    expect(records.some((r) => r.actor === 'private' && r.type === '@xstate.snapshot' && JSON.stringify(r.snapshot?.value).includes('open'))).toBe(true);
    expect(io.out()).toMatch(/myOrder: [1-9]\d* events received/);
    // …and nothing of it reached the trace: no secret, no header, no token, nothing even redacted.
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/authorization|bearer/i);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(text).not.toContain(ACCESS);
    expect(text).not.toContain('[redacted]');
  });

  it('--inspect serves the Stately inspector, whose events never carry the key pair', async () => {
    const received: string[] = [];
    let client: WebSocket | undefined;
    const io = captureIo({
      env: { UPBIT_ACCESS_KEY: ACCESS, UPBIT_SECRET_KEY: SECRET },
      onOut: (text) => {
        const port = /Stately inspector: open http:\/\/localhost:(\d+)/.exec(text)?.[1];
        if (port === undefined) return;
        client = new WebSocket(`ws://127.0.0.1:${port}`);
        client.on('message', (data) => received.push(String(data)));
      },
    });
    try {
      expect(await run(['--duration', '1.5', '--compare', '1', '--inspect'], io)).toBe(0);
    } finally {
      client?.terminate();
    }
    expect(received.length).toBeGreaterThan(0);
    const events = received.map((text) => JSON.parse(text) as { type: string; sessionId: string });
    expect(events.some((event) => event.type === '@xstate.snapshot')).toBe(true);
    const all = received.join('\n');
    expect(all).toContain('"private"');
    expect(all).not.toContain(SECRET);
    expect(all).not.toMatch(/authorization|bearer/i);
    expect(all).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(all).not.toContain('[redacted]');
  });
});
