/**
 * One reader of the data-path benchmark, in a process of its own (forked with IPC):
 * `datapath-client.ts <kind> <url> <count> <codes,…>`. Subscribes, waits for the snapshots to pass,
 * says `{ ready }`; on `{ go }` it counts from zero, answers `{ counting }`, and once `count` frames
 * have been handled answers `{ result: ThroughputRun }` (time from the first frame to the last).
 */
import { openReader, type ReaderKind } from './datapath-clients.js';

export interface ThroughputRun {
  readonly frames: number;
  readonly ms: number;
}

const [kind, url, countText, codesText] = process.argv.slice(2) as [ReaderKind, string, string, string];
const count = Number(countText);
let base = 0;
let firstAt: number | undefined;
let counting = false;
let finished = false;
const reader = await openReader(kind, url, codesText.split(','), () => {});

// The count is read every millisecond, not from the readers' handlers (ccxt's loop does not wake
// once per frame): the same for all three, within a millisecond on runs of seconds.
const sampler = setInterval(() => {
  if (!counting || finished) return;
  const seen = reader.handled() - base;
  if (seen > 0 && firstAt === undefined) firstAt = performance.now();
  if (seen >= count) {
    finished = true;
    const ms = performance.now() - firstAt!;
    clearInterval(sampler);
    process.send!({ result: { frames: seen, ms } satisfies ThroughputRun });
    void reader.close().then(() => process.disconnect());
  }
}, 1);

// Snapshots of the subscription arrive right after it: let them pass before counting.
await new Promise((resolve) => setTimeout(resolve, 300));
process.on('message', (command: { go?: true }) => {
  if (!command.go) return;
  base = reader.handled();
  counting = true;
  process.send!({ counting: true });
});
process.send!({ ready: true });
